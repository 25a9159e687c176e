/**
 * oidc-provider's storage: in memory, with expiry. Ours rather than the library's development adapter so that
 * it stays bounded (expired entries are swept on a timer) and can be shared by Provider instances.
 */
import type { Adapter, AdapterPayload } from 'oidc-provider';

interface Entry {
  payload: AdapterPayload;
  expiresAt: number;
}

/** How often expired entries are dropped. */
const SWEEP_EVERY_MS = 60_000;

export class MemoryStore {
  readonly entries = new Map<string, Entry>();
  /** grantId → keys of the entries made under that grant, for revokeByGrantId. */
  readonly byGrant = new Map<string, Set<string>>();
  /** userCode / uid → key. */
  readonly lookups = new Map<string, string>();
  readonly #sweeper = setInterval(() => this.sweep(), SWEEP_EVERY_MS).unref();

  /** The constructor oidc-provider calls once per model name. */
  adapterFactory(): (name: string) => Adapter {
    return (name: string) => new MemoryAdapter(this, name);
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    const grantId = entry.payload.grantId;
    if (grantId) this.byGrant.get(grantId)?.delete(key);
    if (grantId && this.byGrant.get(grantId)?.size === 0) this.byGrant.delete(grantId);
  }

  sweep(now = Date.now()): void {
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.delete(key);
    for (const [lookup, key] of this.lookups) if (!this.entries.has(key)) this.lookups.delete(lookup);
  }

  close(): void {
    clearInterval(this.#sweeper);
  }
}

class MemoryAdapter implements Adapter {
  readonly #store: MemoryStore;
  readonly #name: string;

  constructor(store: MemoryStore, name: string) {
    this.#store = store;
    this.#name = name;
  }

  #key(id: string): string {
    return `${this.#name}:${id}`;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    const key = this.#key(id);
    this.#store.entries.set(key, { payload, expiresAt: Date.now() + expiresIn * 1000 });
    if (payload.grantId) {
      const keys = this.#store.byGrant.get(payload.grantId) ?? new Set();
      this.#store.byGrant.set(payload.grantId, keys.add(key));
    }
    if (payload.userCode) this.#store.lookups.set(`userCode:${payload.userCode}`, key);
    if (payload.uid) this.#store.lookups.set(`uid:${this.#name}:${payload.uid}`, key);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return this.#live(this.#key(id));
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.#live(this.#store.lookups.get(`userCode:${userCode}`));
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.#live(this.#store.lookups.get(`uid:${this.#name}:${uid}`));
  }

  async consume(id: string): Promise<void> {
    const entry = this.#store.entries.get(this.#key(id));
    if (entry) entry.payload = { ...entry.payload, consumed: Math.floor(Date.now() / 1000) };
  }

  async destroy(id: string): Promise<void> {
    this.#store.delete(this.#key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    for (const key of [...(this.#store.byGrant.get(grantId) ?? [])]) this.#store.delete(key);
  }

  #live(key: string | undefined): AdapterPayload | undefined {
    const entry = key === undefined ? undefined : this.#store.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt > Date.now()) return entry.payload;
    this.#store.delete(key!);
    return undefined;
  }
}
