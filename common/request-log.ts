/**
 * A bounded log of recent requests and what was decided, for `dial-sandbox logs` and /__control/log. It keeps
 * what `add` is given as it is and shapes it (`present`: decoding tokens, say) only when read, so the
 * request path pays for an array push and nothing more.
 */
export class RequestLog<Raw extends object, Shown extends object = Raw> {
  readonly #limit: number;
  readonly #present: (raw: Raw) => Shown;
  #entries: { at: number; raw: Raw }[] = [];

  constructor(present: (raw: Raw) => Shown = (raw) => raw as unknown as Shown, limit = 200) {
    this.#present = present;
    this.#limit = limit;
  }

  add(raw: Raw): void {
    this.#entries.push({ at: Date.now(), raw });
    if (this.#entries.length > this.#limit) this.#entries.shift();
  }

  entries(): (Shown & { at: string })[] {
    return this.#entries.map(({ at, raw }) => ({ at: new Date(at).toISOString(), ...this.#present(raw) }));
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
