import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const IGNORED = new Set(['node_modules', 'dist', '.git', '.sandbox']);

/** The top-level folders (and root files) that hold TypeScript, which `tsc --noEmit` must read. */
function typeScriptRoots(): string[] {
  const holdsTypeScript = (dir: string): boolean =>
    readdirSync(dir, { withFileTypes: true }).some((entry) =>
      entry.isDirectory() ? !IGNORED.has(entry.name) && holdsTypeScript(join(dir, entry.name)) : entry.name.endsWith('.ts'));
  return readdirSync(ROOT, { withFileTypes: true })
    .filter((entry) => !IGNORED.has(entry.name) && (entry.isDirectory() ? holdsTypeScript(join(ROOT, entry.name)) : entry.name.endsWith('.ts')))
    .map((entry) => entry.name)
    .sort();
}

describe('tsconfig.json', () => {
  it('type-checks every folder that holds TypeScript, unit tests beside their modules included', () => {
    const { include } = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8')) as { include: string[] };
    expect(typeScriptRoots().filter((root) => !include.includes(root))).toEqual([]);
  });
});
