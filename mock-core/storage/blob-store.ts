/**
 * Where mock-core keeps the storage API's resources: one file per resource under the state folder, as Core
 * keeps one blob per resource (docs/dial-core.md#resource-crud). Each file is written whole (a temporary
 * file, fsync, rename, fsync of the folder) before the change is answered or seen by anyone, so a crash
 * leaves every resource as it was or as it became, never half-written. File names are hashes of the
 * storage key: no resource name can reach outside the folder, whatever it holds.
 *
 * The index of every key and its metadata is kept in memory (bodies up to 1 MiB too, as Core caches them
 * in Redis), rebuilt from the files' headers at start. Keys are kept sorted for listings.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, openSync, readdirSync, readFileSync, readSync, closeSync, unlinkSync } from 'node:fs';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';


export interface BlobMeta {
  /** The storage key: location + type + '/' + path. */
  key: string;
  etag: string;
  createdAt: number;
  updatedAt: number;
  size: number;
  contentType: string;
  /** The display name of who created it, when Core knows one. */
  author?: string;
}

export interface Blob {
  meta: BlobMeta;
  body: Buffer;
}

export type ChangeAction = 'CREATE' | 'UPDATE' | 'DELETE';
export type ChangeListener = (key: string, action: ChangeAction, meta: BlobMeta) => void;

/** Core's `resources.maxSizeToCache`: bodies up to this size are kept in memory. */
const CACHED_BODY_LIMIT = 1024 * 1024;
const FOLDER = 'blobs';

export interface BlobStoreOptions {
  /** The folder to keep resources in; without one they live in memory only (for a mock-core in a test). */
  folder?: string;
  now: () => number;
}

export class BlobStore {
  readonly #folder: string | undefined;
  readonly #now: () => number;
  readonly #index = new Map<string, BlobMeta>();
  readonly #bodies = new Map<string, Buffer>();
  readonly #sorted: string[] = [];
  readonly #locks = new Map<string, Promise<unknown>>();
  readonly #listeners = new Set<ChangeListener>();
  /** The hash-prefix folders known to exist (256 at most). */
  readonly #shards = new Set<string>();

  constructor(options: BlobStoreOptions) {
    this.#folder = options.folder && join(options.folder, FOLDER);
    this.#now = options.now;
    if (this.#folder) this.#load(this.#folder);
  }

  get size(): number {
    return this.#index.size;
  }

  meta(key: string): BlobMeta | undefined {
    return this.#index.get(key);
  }

  async read(key: string): Promise<Blob | undefined> {
    const meta = this.#index.get(key);
    if (!meta) return undefined;
    const cached = this.#bodies.get(key);
    if (cached) return { meta, body: cached };
    if (!this.#folder) return { meta, body: Buffer.alloc(0) };
    const file = await readFile(this.#fileOf(key)).catch(() => undefined);
    // Gone between the lookup and the read: deleted meanwhile.
    if (!file) return undefined;
    // The file's own metadata line: it belongs to this body even if a write replaced the file meanwhile.
    const newline = file.indexOf(0x0a);
    return { meta: parseStateFile<BlobMeta>(this.#fileOf(key), file.toString('utf8', 0, newline)), body: file.subarray(newline + 1) };
  }

  /**
   * Puts a body under a key once `check` (given what is there now) passes; the check and the write are one
   * step, no other change to the key coming between them.
   */
  put(key: string, body: Buffer, attributes: { contentType: string; author?: string }, check: (current: BlobMeta | undefined) => void = () => {}): Promise<BlobMeta> {
    return this.#locked([key], async () => {
      const current = this.#index.get(key);
      check(current);
      const updatedAt = this.#now();
      const meta: BlobMeta = {
        key,
        etag: createHash('md5').update(body).digest('hex'),
        createdAt: current?.createdAt ?? updatedAt,
        updatedAt,
        size: body.length,
        contentType: attributes.contentType,
        // Core keeps the first author of a resource.
        ...((current?.author ?? attributes.author) !== undefined && { author: current?.author ?? attributes.author }),
      };
      await this.#write(meta, body);
      this.#set(meta, body);
      this.#emit(key, current ? 'UPDATE' : 'CREATE', meta);
      return meta;
    });
  }

  /** Deletes a key once `check` passes; false when there was nothing to delete. */
  delete(key: string, check: (current: BlobMeta) => void = () => {}): Promise<boolean> {
    return this.#locked([key], async () => {
      const current = this.#index.get(key);
      if (!current) return false;
      check(current);
      await this.#remove(key);
      this.#unset(key);
      this.#emit(key, 'DELETE', current);
      return true;
    });
  }

  /**
   * Moves a resource: the destination is written (durably) before the source is removed, so a crash in
   * between leaves both, never neither. `check` sees the source and what the destination holds.
   */
  move(from: string, to: string, check: (source: BlobMeta | undefined, destination: BlobMeta | undefined) => void): Promise<BlobMeta> {
    return this.#locked([from, to], async () => {
      const source = this.#index.get(from);
      const destination = this.#index.get(to);
      check(source, destination);
      const blob = (await this.read(from))!;
      const meta: BlobMeta = { ...blob.meta, key: to, updatedAt: this.#now() };
      await this.#write(meta, blob.body);
      this.#set(meta, blob.body);
      this.#emit(to, destination ? 'UPDATE' : 'CREATE', meta);
      await this.#remove(from);
      this.#unset(from);
      this.#emit(from, 'DELETE', source!);
      return meta;
    });
  }

  /** Every resource removed, once the changes under way are done; how many there were. */
  async clear(): Promise<number> {
    // The keys being written too: a new resource enters the index only once its file is down.
    return this.#locked([...new Set([...this.#index.keys(), ...this.#locks.keys()])], async () => {
      const count = this.#index.size;
      for (const key of [...this.#index.keys()]) {
        await this.#remove(key);
        this.#unset(key);
      }
      return count;
    });
  }

  /** Whether anything is stored under a folder key (ending in '/'). */
  hasAnyUnder(prefix: string): boolean {
    const at = lowerBound(this.#sorted, prefix);
    return at < this.#sorted.length && this.#sorted[at]!.startsWith(prefix);
  }

  /**
   * One page of a folder (a key ending in '/'): with `recursive` every key below it, else its items and its
   * sub-folders (as keys ending in '/'), in key order, starting after `after`.
   */
  list(prefix: string, options: { recursive: boolean; limit: number; after?: string }): { keys: string[]; more: boolean } {
    const keys: string[] = [];
    let at = lowerBound(this.#sorted, options.after !== undefined && options.after > prefix ? successor(options.after) : prefix);
    while (at < this.#sorted.length) {
      const key = this.#sorted[at]!;
      if (!key.startsWith(prefix)) break;
      if (keys.length === options.limit) return { keys, more: true };
      const slash = options.recursive ? -1 : key.indexOf('/', prefix.length);
      if (slash === -1) {
        keys.push(key);
        at++;
      } else {
        const folder = key.slice(0, slash + 1);
        keys.push(folder);
        at = lowerBound(this.#sorted, successor(folder));
      }
    }
    return { keys, more: false };
  }

  onChange(listener: ChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(key: string, action: ChangeAction, meta: BlobMeta): void {
    for (const listener of this.#listeners) listener(key, action, meta);
  }

  #set(meta: BlobMeta, body: Buffer): void {
    if (!this.#index.has(meta.key)) this.#sorted.splice(lowerBound(this.#sorted, meta.key), 0, meta.key);
    this.#index.set(meta.key, meta);
    if (body.length <= CACHED_BODY_LIMIT || !this.#folder) this.#bodies.set(meta.key, body);
    else this.#bodies.delete(meta.key);
  }

  #unset(key: string): void {
    this.#index.delete(key);
    this.#bodies.delete(key);
    this.#sorted.splice(lowerBound(this.#sorted, key), 1);
  }

  /** Runs `work` once no earlier change to any of `keys` is running; changes to other keys go on meanwhile. */
  async #locked<T>(keys: string[], work: () => Promise<T>): Promise<T> {
    const before = keys.map((key) => this.#locks.get(key)).filter((p) => p !== undefined);
    const result = Promise.allSettled(before).then(work);
    const settled = result.catch(() => undefined);
    for (const key of keys) this.#locks.set(key, settled);
    void settled.then(() => {
      for (const key of keys) if (this.#locks.get(key) === settled) this.#locks.delete(key);
    });
    return result;
  }

  #fileOf(key: string): string {
    const hash = createHash('sha256').update(key).digest('hex');
    return join(this.#folder!, hash.slice(0, 2), hash);
  }

  /** The file: the metadata as one JSON line, then the body's bytes. */
  async #write(meta: BlobMeta, body: Buffer): Promise<void> {
    if (!this.#folder) return;
    const file = this.#fileOf(meta.key);
    const shard = join(file, '..');
    if (!this.#shards.has(shard)) {
      mkdirSync(shard, { recursive: true });
      this.#shards.add(shard);
    }
    const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    const handle = await open(temporary, 'w', 0o600);
    try {
      await handle.writev([Buffer.from(`${JSON.stringify(meta)}\n`), body]);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
    await syncFolder(shard);
  }

  async #remove(key: string): Promise<void> {
    if (!this.#folder) return;
    const file = this.#fileOf(key);
    await unlink(file).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    await syncFolder(join(file, '..'));
  }

  /** Reads every file's metadata line; temporary files left by a crash are removed (never acknowledged). */
  #load(folder: string): void {
    mkdirSync(folder, { recursive: true });
    const keys: string[] = [];
    for (const shard of readdirSync(folder, { withFileTypes: true })) {
      // Only the hash-prefix folders are the store's; anything else put there is left alone.
      if (!shard.isDirectory()) continue;
      for (const name of readdirSync(join(folder, shard.name))) {
        const file = join(folder, shard.name, name);
        if (name.endsWith('.tmp')) {
          unlinkSync(file);
          continue;
        }
        const { meta, body } = readHeader(file);
        this.#index.set(meta.key, meta);
        if (body) this.#bodies.set(meta.key, body);
        keys.push(meta.key);
      }
    }
    this.#sorted.push(...keys.sort(compareKeys));
  }
}

/** A file's metadata, and its body when that is small enough to keep in memory. */
function readHeader(file: string): { meta: BlobMeta; body?: Buffer } {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(64 * 1024);
    const read = readSync(fd, head, 0, head.length, 0);
    const newline = head.subarray(0, read).indexOf(0x0a);
    // A metadata line is well under 64 KiB (the key is at most 900 bytes); a file without one is not ours.
    if (newline === -1) return { meta: parseStateFile<BlobMeta>(file, head.toString('utf8', 0, read)) };
    const meta = parseStateFile<BlobMeta>(file, head.toString('utf8', 0, newline));
    if (meta.size > CACHED_BODY_LIMIT) return { meta };
    const body = newline + 1 + meta.size <= read ? Buffer.from(head.subarray(newline + 1, newline + 1 + meta.size)) : readFileSync(file).subarray(newline + 1);
    return { meta, body };
  } finally {
    closeSync(fd);
  }
}

async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r').catch(() => undefined);
  if (!handle) return; // Windows cannot open a folder to fsync it
  try {
    await handle.sync().catch(() => undefined);
  } finally {
    await handle.close();
  }
}

const compareKeys = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The first index whose key is not below `key`. */
function lowerBound(sorted: string[], key: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle]! < key) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** For a folder key, the smallest string above every key inside it; for any other key, the next string. */
function successor(key: string): string {
  // A folder key ends in '/', and '0' follows '/' in every encoding: "a/" < "a/…" < "a0".
  return key.endsWith('/') ? `${key.slice(0, -1)}0` : `${key}\u0000`;
}

function parseStateFile<T>(file: string, text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new Error(`${file} is damaged (${(error as Error).message}); \`dial-sandbox reset\` removes the stored resources with the directory.`);
  }
}
