/**
 * mock-core's storage API under load, as DIAL Chat uses it: conversations put and got at concurrency 32 (each
 * connection its own conversation, each PUT durably written before it is answered), and the first page of a
 * folder's listing with 10,000 conversations beside the same listing with 10.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { load, percentiles, type LoadResult } from './load.ts';

const KEY = { 'api-key': 'bench-key' };
const CONVERSATION = JSON.stringify({ id: 'c', folderId: 'conversations/x', name: 'Bench', prompt: '', temperature: 1, model: { id: 'gpt-4' }, selectedAddons: [], messages: [{ role: 'user', content: 'one two three' }, { role: 'assistant', content: 'four five six' }] });

export interface StorageFigures {
  put: LoadResult;
  get: LoadResult;
  listing10: { p50: number; p99: number };
  listing10k: { p50: number; p99: number };
}

/** `start(stateDir)` runs a storage mock-core in its own process and gives its URL. */
export async function storageFigures(start: (stateDir: string) => Promise<URL>, seconds: number, connections: number): Promise<StorageFigures> {
  const stateDir = mkdtempSync(join(tmpdir(), 'bench-storage-'));
  try {
    const url = await start(stateDir);
    const { bucket } = (await (await fetch(new URL('/v1/bucket', url), { headers: KEY })).json()) as { bucket: string };
    const paths = Array.from({ length: connections }, (_, i) => `/v1/conversations/${bucket}/bench/conversation-${i}`);
    const headers = { ...KEY, 'content-type': 'application/json' };
    const put = await load({ url, path: paths[0]!, paths, method: 'PUT', headers, body: CONVERSATION, connections, seconds });
    const get = await load({ url, path: paths[0]!, paths, method: 'GET', headers: KEY, body: '', connections, seconds });

    await fill(url, `/v1/conversations/${bucket}/ten/`, 10);
    await fill(url, `/v1/conversations/${bucket}/many/`, 10_000);
    const listing = (folder: string) => firstPages(new URL(`/v1/metadata/conversations/${bucket}/${folder}/?limit=1000&recursive=true`, url), 50);
    return { put, get, listing10: await listing('ten'), listing10k: await listing('many') };
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/** `count` conversations under a folder, 32 writers at a time. */
async function fill(url: URL, folder: string, count: number): Promise<void> {
  let next = 0;
  const writer = async () => {
    for (let i = next++; i < count; i = next++) {
      const answer = await fetch(new URL(`${folder}c${String(i).padStart(5, '0')}`, url), { method: 'PUT', headers: { ...KEY, 'content-type': 'application/json' }, body: CONVERSATION });
      if (answer.status !== 200) throw new Error(`filling ${folder}: ${answer.status}`);
    }
  };
  await Promise.all(Array.from({ length: 32 }, writer));
}

/** The time to a whole first page (Chat's `limit=1000`), one request at a time. */
async function firstPages(url: URL, samples: number): Promise<{ p50: number; p99: number }> {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    const answer = await fetch(url, { headers: KEY });
    await answer.arrayBuffer();
    if (answer.status !== 200) throw new Error(`listing: ${answer.status}`);
    times.push(performance.now() - started);
  }
  return percentiles(times);
}
