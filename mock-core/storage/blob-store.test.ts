import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { BlobStore } from './blob-store.ts';

const now = () => 1_700_000_000_000;
const attributes = { contentType: 'application/json' };

describe('the blob store', () => {
  it('keeps each resource in a file named by its key\'s hash, whatever the key holds, and reads them all back', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'blobs-'));
    const store = new BlobStore({ folder, now });
    await store.put('Users/a/conversations/../../../etc/passwd', Buffer.from('x'), attributes);
    await store.put('Users/a/files/big', Buffer.alloc(2 * 1024 * 1024, 1), { contentType: 'application/octet-stream' });
    expect(readdirSync(folder)).toEqual(['blobs']);
    const again = new BlobStore({ folder, now });
    expect(again.size).toBe(2);
    expect((await again.read('Users/a/conversations/../../../etc/passwd'))!.body.toString()).toBe('x');
    expect((await again.read('Users/a/files/big'))!.body.length).toBe(2 * 1024 * 1024);
  });

  it('drops a temporary file a crash left behind (a write never acknowledged)', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'blobs-'));
    const store = new BlobStore({ folder, now });
    await store.put('Users/a/prompts/p', Buffer.from('{}'), attributes);
    const shard = readdirSync(join(folder, 'blobs'))[0]!;
    writeFileSync(join(folder, 'blobs', shard, 'half-written.123.abc.tmp'), '{"key":"Users/a/prompts/q"');
    const again = new BlobStore({ folder, now });
    expect(again.size).toBe(1);
    expect(readdirSync(join(folder, 'blobs', shard)).some((name) => name.endsWith('.tmp'))).toBe(false);
  });

  it('runs a check and its write as one step: of two creates-if-absent at once, one wins', async () => {
    const store = new BlobStore({ now });
    const createOnly = (current: unknown) => {
      if (current) throw new Error('exists');
    };
    const results = await Promise.allSettled([store.put('k', Buffer.from('1'), attributes, createOnly), store.put('k', Buffer.from('2'), attributes, createOnly)]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
  });

  it('lists a folder\'s children (sub-folders once) or everything below it, in pages', async () => {
    const store = new BlobStore({ now });
    for (const key of ['B/t/a', 'B/t/d/x', 'B/t/d/y', 'B/t/e', 'B/t0', 'B/u/z']) await store.put(key, Buffer.from(''), attributes);
    expect(store.list('B/t/', { recursive: false, limit: 10 })).toEqual({ keys: ['B/t/a', 'B/t/d/', 'B/t/e'], more: false });
    expect(store.list('B/t/', { recursive: true, limit: 2 })).toEqual({ keys: ['B/t/a', 'B/t/d/x'], more: true });
    expect(store.list('B/t/', { recursive: true, limit: 2, after: 'B/t/d/x' })).toEqual({ keys: ['B/t/d/y', 'B/t/e'], more: false });
    expect(store.list('B/t/', { recursive: false, limit: 1, after: 'B/t/d/' })).toEqual({ keys: ['B/t/e'], more: false });
  });
});
