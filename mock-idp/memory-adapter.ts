/**
 * oidc-provider's storage: an in-memory map with expiry. Ours rather than the library's development adapter
 * so it can outlive a Provider instance (rebuilt when keys rotate) and stays bounded.
 */
import type { Adapter, AdapterPayload } from 'oidc-provider';

interface Entry {
  payload: AdapterPayload;
  expiresAt: number;
}

export class MemoryStore {
  readonly entries = new Map<string, Entry>();

  /** The constructor oidc-provider calls once per model name. */
  adapterFactory(): (name: string) => Adapter {
    const store = this;
    return (name: string) => new MemoryAdapter(store, name);
  }

  sweep(now = Date.now()): void {
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
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
    const entries = this.#store.entries;
    if (entries.size > 50_000) this.#store.sweep();
    entries.set(this.#key(id), { payload, expiresAt: Date.now() + (expiresIn || 86_400) * 1000 });
    if (payload.grantId) entries.set(`grant:${payload.grantId}:${this.#key(id)}`, { payload: { id } as AdapterPayload, expiresAt: Date.now() + (expiresIn || 86_400) * 1000 });
    if (payload.userCode) entries.set(`userCode:${payload.userCode}`, { payload: { id } as AdapterPayload, expiresAt: Date.now() + expiresIn * 1000 });
    if (payload.uid) entries.set(`uid:${this.#name}:${payload.uid}`, { payload: { id } as AdapterPayload, expiresAt: Date.now() + expiresIn * 1000 });
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const entry = this.#store.entries.get(this.#key(id));
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.#store.entries.delete(this.#key(id));
      return undefined;
    }
    return entry.payload;
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const ref = this.#store.entries.get(`userCode:${userCode}`);
    return ref ? this.find(String(ref.payload.id)) : undefined;
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const ref = this.#store.entries.get(`uid:${this.#name}:${uid}`);
    return ref ? this.find(String(ref.payload.id)) : undefined;
  }

  async consume(id: string): Promise<void> {
    const entry = this.#store.entries.get(this.#key(id));
    if (entry) entry.payload = { ...entry.payload, consumed: Math.floor(Date.now() / 1000) };
  }

  async destroy(id: string): Promise<void> {
    this.#store.entries.delete(this.#key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    const prefix = `grant:${grantId}:`;
    for (const key of [...this.#store.entries.keys()]) {
      if (key.startsWith(prefix)) {
        this.#store.entries.delete(key);
        this.#store.entries.delete(key.slice(prefix.length));
      }
    }
  }
}
