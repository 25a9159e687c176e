import { describe, expect, it } from 'vitest';

import { RequestLog, tokenForLog } from './request-log.ts';

type Entry = { id: number; text: string; cut?: string };

const logOf = (options: { limit?: number; maxBytes?: number; maxEntryBytes?: number } = {}) =>
  new RequestLog<Entry>({
    size: ({ text }) => text.length,
    cut: (entry, bytes, max) => ({ ...entry, text: entry.text.slice(0, max), cut: `${bytes} bytes cut to ${max}` }),
    ...options,
  });

describe('RequestLog', () => {
  it('keeps at most `limit` entries, the newest', () => {
    const log = logOf({ limit: 2 });
    for (const id of [1, 2, 3]) log.add({ id, text: 'x' });
    expect(log.entries().map((e) => e.id)).toEqual([2, 3]);
  });

  it('keeps the newest entries in order through many turns of its ring, dropped by count and by size', () => {
    const log = logOf({ limit: 3, maxBytes: 10 });
    const kept: Entry[] = []; // what the log should hold: the newest three, fewer while over 10 bytes
    for (let id = 1; id <= 40; id++) {
      const entry = { id, text: 'x'.repeat((id * 7) % 6) };
      log.add(entry);
      kept.push(entry);
      if (kept.length > 3) kept.shift();
      while (kept.reduce((sum, e) => sum + e.text.length, 0) > 10 && kept.length > 1) kept.shift();
      expect(log.entries().map((e) => e.id)).toEqual(kept.map((e) => e.id));
      expect(log.bytes).toBe(kept.reduce((sum, e) => sum + e.text.length, 0));
    }
  });

  it('keeps nothing with a limit of 0', () => {
    const log = logOf({ limit: 0 });
    log.add({ id: 1, text: 'x' });
    expect([log.entries(), log.bytes]).toEqual([[], 0]);
  });

  it('drops the oldest entries while their sizes together are over `maxBytes`', () => {
    const log = logOf({ maxBytes: 250 });
    for (const id of [1, 2, 3, 4]) log.add({ id, text: 'x'.repeat(100) });
    expect(log.entries().map((e) => e.id)).toEqual([3, 4]);
    expect(log.bytes).toBe(200);
  });

  it('cuts an entry larger than `maxEntryBytes` before keeping it, and the entry says so', () => {
    const log = logOf({ maxEntryBytes: 10 });
    log.add({ id: 1, text: 'x'.repeat(5 * 1024 * 1024) });
    expect(log.entries()).toEqual([{ at: expect.any(String), id: 1, text: 'x'.repeat(10), cut: `${5 * 1024 * 1024} bytes cut to 10` }]);
    expect(log.bytes).toBe(10);
  });

  it('forgets everything, sizes included, on clear', () => {
    const log = logOf();
    log.add({ id: 1, text: 'abc' });
    log.clear();
    expect([log.entries(), log.bytes]).toEqual([[], 0]);
  });
});

describe('tokenForLog', () => {
  it('shows claims nested thousands of levels deep cut at 100 levels, so the log can always be sent', () => {
    const claims = Buffer.from('{"a":'.repeat(5000) + '1' + '}'.repeat(5000)).toString('base64url');
    const shown = tokenForLog(`eyJhbGciOiJSUzI1NiJ9.${claims}.c2lnbmF0dXJl`)!;
    expect(() => JSON.stringify(shown)).not.toThrow();
    let level = shown.claims as Record<string, unknown>;
    for (let depth = 1; depth < 100; depth++) level = level.a as Record<string, unknown>;
    expect(level).toEqual({ a: '(nested deeper: cut)' });
  });
});

describe('RequestLog.subscribe', () => {
  it('hands each new entry to a listener, shaped only when read, until unsubscribed', () => {
    let presented = 0;
    const log = new RequestLog<Entry, Entry & { shown: true }>({ present: (entry) => (presented++, { ...entry, shown: true }) });
    const reads: (() => Entry & { at: string })[] = [];
    const unsubscribe = log.subscribe((read) => reads.push(read));
    log.add({ id: 1, text: 'a' });
    log.add({ id: 2, text: 'b' });
    expect(reads).toHaveLength(2);
    expect(presented).toBe(0);
    const second = reads[1]!();
    expect(second).toMatchObject({ id: 2, shown: true });
    expect(second.at).toBe(log.entries()[1]!.at);
    unsubscribe();
    log.add({ id: 3, text: 'c' });
    expect(reads).toHaveLength(2);
  });

  it('hands over an entry cut as it is kept', () => {
    const log = logOf({ maxEntryBytes: 3 });
    let read: (() => Entry) | undefined;
    log.subscribe((r) => (read = r));
    log.add({ id: 1, text: 'abcdef' });
    expect(read!()).toMatchObject({ text: 'abc', cut: '6 bytes cut to 3' });
  });
});
