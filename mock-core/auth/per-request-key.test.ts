import { describe, expect, it } from 'vitest';

import { newPerRequestKey } from './authenticate.ts';

describe('newPerRequestKey', () => {
  it("makes 32 characters of Core's 64-letter dictionary, fresh each time, past its page of random bytes", () => {
    const keys = Array.from({ length: 1000 }, newPerRequestKey);
    for (const key of keys) expect(key).toMatch(/^[0-9a-zA-Z_-]{32}$/);
    expect(new Set(keys).size).toBe(keys.length);
    expect(new Set(keys.join('')).size).toBe(64);
  });
});
