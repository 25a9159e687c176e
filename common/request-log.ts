/**
 * A bounded log of recent requests and what was decided, for `dial-sandbox logs` and /__control/log. It keeps
 * what `add` is given as it is and shapes it (`present`: decoding tokens, say) only when read, so the
 * request path pays for an array push and a size estimate, nothing more.
 *
 * Bounded twice: by count, and by size, so that a few huge entries (a token answer with a 5 MB claim) cannot
 * hold hundreds of megabytes. Sizes are estimates in bytes the service computes cheaply (string lengths, never
 * a serialisation); an entry larger than `maxEntryBytes` is shortened by `cut`, which says so in the entry,
 * and the oldest entries go first while the total is over `maxBytes`.
 */
import { cutDeeperThan, SHOWN_DEPTH } from './json-depth.ts';

export interface RequestLogOptions<Raw, Shown> {
  present?: (raw: Raw) => Shown;
  /** What an entry holds, in bytes, estimated cheaply: a string's length counts as its size. */
  size?: (raw: Raw) => number;
  /** The entry without what made it larger than `maxEntryBytes`, saying what was cut. */
  cut?: (raw: Raw, size: number, maxEntryBytes: number) => Raw;
  /** Entries kept at most (default 200). */
  limit?: number;
  /** Their estimated sizes together at most (default 8 MiB). */
  maxBytes?: number;
  /** One entry's estimated size at most (default 256 KiB). */
  maxEntryBytes?: number;
}

const REQUEST_LOG_DEFAULTS = { limit: 200, maxBytes: 8 * 1024 * 1024, maxEntryBytes: 256 * 1024 } as const;

export class RequestLog<Raw extends object, Shown extends object = Raw> {
  readonly #present: (raw: Raw) => Shown;
  readonly #size: (raw: Raw) => number;
  readonly #cut: ((raw: Raw, size: number, maxEntryBytes: number) => Raw) | undefined;
  readonly #limit: number;
  readonly #maxBytes: number;
  readonly #maxEntryBytes: number;
  /**
   * A ring of `#limit` places, the oldest entry at `#first`: taking the oldest off is a step of an index, where
   * an array's shift() on every request was ~0.6% of mock-core's profile under load.
   */
  #ring: ({ at: number; raw: Raw; bytes: number } | undefined)[];
  #first = 0;
  #count = 0;
  #bytes = 0;
  readonly #listeners = new Set<(read: () => Shown & { at: string }) => void>();

  constructor(options: RequestLogOptions<Raw, Shown> = {}) {
    this.#present = options.present ?? ((raw) => raw as unknown as Shown);
    this.#size = options.size ?? (() => 0);
    this.#cut = options.cut;
    this.#limit = options.limit ?? REQUEST_LOG_DEFAULTS.limit;
    this.#maxBytes = options.maxBytes ?? REQUEST_LOG_DEFAULTS.maxBytes;
    this.#maxEntryBytes = options.maxEntryBytes ?? REQUEST_LOG_DEFAULTS.maxEntryBytes;
    this.#ring = new Array(this.#limit).fill(undefined);
  }

  add(raw: Raw): void {
    let bytes = this.#size(raw);
    if (bytes > this.#maxEntryBytes && this.#cut) {
      raw = this.#cut(raw, bytes, this.#maxEntryBytes);
      bytes = this.#size(raw);
    }
    const at = Date.now();
    if (this.#limit > 0) {
      if (this.#count === this.#limit) this.#dropOldest();
      this.#ring[(this.#first + this.#count++) % this.#limit] = { at, raw, bytes };
      this.#bytes += bytes;
      while (this.#bytes > this.#maxBytes && this.#count > 1) this.#dropOldest();
    }
    if (this.#listeners.size) {
      const kept = raw;
      const read = () => this.#shown(at, kept);
      for (const listener of this.#listeners) listener(read);
    }
  }

  /**
   * Each entry added from now on, as a function that shapes it when called: a listener that reads only some
   * of them (the console, batching) pays for those alone, and the request path for a call per listener.
   * Returns the unsubscribe.
   */
  subscribe(listener: (read: () => Shown & { at: string }) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  entries(): (Shown & { at: string })[] {
    return Array.from({ length: this.#count }, (_, i) => {
      const { at, raw } = this.#ring[(this.#first + i) % this.#limit]!;
      return this.#shown(at, raw);
    });
  }

  #shown(at: number, raw: Raw): Shown & { at: string } {
    return { at: new Date(at).toISOString(), ...this.#present(raw) };
  }

  /** The estimated size of what is kept, in bytes. */
  get bytes(): number {
    return this.#bytes;
  }

  clear(): void {
    this.#ring.fill(undefined);
    this.#first = 0;
    this.#count = 0;
    this.#bytes = 0;
  }

  #dropOldest(): void {
    this.#bytes -= this.#ring[this.#first]!.bytes;
    this.#ring[this.#first] = undefined;
    this.#first = (this.#first + 1) % this.#limit;
    this.#count--;
  }
}

/** A token for a log line: header and claims decoded, the signature cut, never the token itself. */
export function tokenForLog(token: string | undefined): { header?: unknown; claims?: unknown; signature?: string; opaque?: string } | undefined {
  if (!token) return undefined;
  const parts = token.split('.');
  if (parts.length !== 3) return { opaque: `${token.length} characters, not a JWT` };
  const decode = (part: string) => {
    try {
      // Cut where it nests too deep to show (a forged token's claims can nest thousands of levels).
      return cutDeeperThan(JSON.parse(Buffer.from(part, 'base64url').toString('utf8')), SHOWN_DEPTH);
    } catch {
      return '(not base64url JSON)';
    }
  };
  return { header: decode(parts[0]!), claims: decode(parts[1]!), signature: parts[2] ? `${parts[2].slice(0, 6)}… (cut)` : '(none)' };
}
