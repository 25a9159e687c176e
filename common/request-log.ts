/** A bounded log of recent requests and what was decided, for `dial-sandbox logs` and /__control/log. */
export class RequestLog<T extends object> {
  readonly #limit: number;
  #entries: (T & { at: string })[] = [];

  constructor(limit = 200) {
    this.#limit = limit;
  }

  add(entry: T): void {
    this.#entries.push({ at: new Date().toISOString(), ...entry });
    if (this.#entries.length > this.#limit) this.#entries.shift();
  }

  entries(): (T & { at: string })[] {
    return [...this.#entries];
  }

  clear(): void {
    this.#entries = [];
  }
}

/** A token for a log line: header and claims decoded, the signature cut, never the token itself. */
export function tokenForLog(token: string | undefined): { header?: unknown; claims?: unknown; signature?: string; opaque?: string } | undefined {
  if (!token) return undefined;
  const parts = token.split('.');
  if (parts.length !== 3) return { opaque: `${token.length} characters, not a JWT` };
  const decode = (part: string) => {
    try {
      return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
    } catch {
      return '(not base64url JSON)';
    }
  };
  return { header: decode(parts[0]!), claims: decode(parts[1]!), signature: parts[2] ? `${parts[2].slice(0, 6)}… (cut)` : '(none)' };
}
