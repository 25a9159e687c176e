#!/usr/bin/env node
// The CLI is TypeScript. The build in dist/ (made by `npm ci` through `prepare`) starts in about half the
// time; it is used while it is at least as new as every source file, and tsx runs the sources otherwise,
// so an edit never runs stale code.
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const built = new URL('../dist/sandbox/cli.js', import.meta.url);

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (/\.(ts|js|html|css)$/.test(entry.name) && !entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function builtIsFresh() {
  try {
    const builtAt = statSync(built).mtimeMs;
    return ['common', 'mock-idp', 'mock-models', 'mock-core', 'console', 'sandbox'].every((dir) => newestSource(`${root}${dir}`) <= builtAt);
  } catch {
    return false; // no build
  }
}

if (builtIsFresh()) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../sandbox/cli.ts');
}
