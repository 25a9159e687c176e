import { existsSync, readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { MATRIX, matrixTable } from './matrix.ts';

describe('the README\'s client matrix', () => {
  it('is the one this folder runs: each library at its installed version, with its flows and its test file', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    // On a mismatch the message shows the table to paste between the markers.
    const between = /<!-- sdk-matrix -->\n([^]*?)\n<!-- \/sdk-matrix -->/.exec(readme)?.[1];
    expect(between).toBe(matrixTable());
    for (const row of MATRIX) expect(existsSync(new URL(row.test, import.meta.url)), row.test).toBe(true);
  });
});
