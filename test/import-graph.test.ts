/**
 * The repository's import graph, read from the sources: no cycles (type-only imports included, since a type
 * that two files need each from the other lives in the wrong file), and no service importing upwards into
 * the sandbox that composes them. Layers, bottom first: common/ ← mock-idp/, mock-models/, mock-core/ ←
 * console/ ← sandbox/ ← bin/, bench/, test/.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE_FOLDERS = ['common', 'mock-idp', 'mock-models', 'mock-core', 'console', 'sandbox'];
/** What each folder may import besides itself. */
const MAY_IMPORT: Record<string, string[]> = {
  common: [],
  'mock-idp': ['common'],
  'mock-models': ['common'],
  'mock-core': ['common'],
  console: ['common', 'mock-idp', 'mock-models', 'mock-core'],
  sandbox: ['common', 'mock-idp', 'mock-models', 'mock-core', 'console'],
};
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

function sourceFiles(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : sourceFiles(path);
    return /\.(ts|js)$/.test(name) && !/\.test\.ts$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Each source file (relative to the root) and the repository files it imports. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of SOURCE_FOLDERS.flatMap((folder) => sourceFiles(join(ROOT, folder)))) {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(IMPORT)].map((m) => relative(ROOT, resolve(dirname(file), (m[1] ?? m[2])!)));
    graph.set(relative(ROOT, file), targets);
  }
  return graph;
}

const folderOf = (file: string) => file.split('/')[0]!;

/** Every cycle, each once, as the files around it. */
function cycles(graph: Map<string, string[]>): string[][] {
  const found = new Map<string, string[]>();
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    path.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') {
        const cycle = path.slice(path.indexOf(next));
        found.set([...cycle].sort().join(' '), cycle);
      } else if (!state.has(next) && graph.has(next)) visit(next);
    }
    path.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return [...found.values()];
}

describe('the import graph', () => {
  const graph = importGraph();

  it('is read from every source folder', () => {
    for (const folder of SOURCE_FOLDERS) expect([...graph.keys()].some((file) => folderOf(file) === folder)).toBe(true);
  });

  it('has no cycle, type-only imports included', () => {
    expect(cycles(graph).map((cycle) => [...cycle, cycle[0]].join(' → '))).toEqual([]);
  });

  it('has no import from a service up into the sandbox, nor across services', () => {
    const upward = [...graph].flatMap(([file, targets]) =>
      targets.filter((target) => folderOf(target) !== folderOf(file) && !MAY_IMPORT[folderOf(file)]!.includes(folderOf(target))).map((target) => `${file} → ${target}`));
    expect(upward).toEqual([]);
  });
});
