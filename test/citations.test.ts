import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

/**
 * The repository stands on its own: its code, tests, README, compose file and docs cite the rules they follow
 * as `docs/<file>.md#<anchor>` (or a public URL), never a file kept outside the repository, and every such
 * anchor exists in that docs file.
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'coverage']);
const SKIPPED_FILES = new Set(['package-lock.json']);
const SCANNED = /\.(ts|js|mjs|cjs|md|ya?ml|json|env)$|^Dockerfile$/;
const THIS_FILE = relative(ROOT, fileURLToPath(import.meta.url));

function repositoryFiles(dir = ROOT): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name.startsWith('.') || SKIPPED_DIRS.has(entry.name)) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return repositoryFiles(path);
    return SCANNED.test(entry.name) && !SKIPPED_FILES.has(entry.name) ? [relative(ROOT, path)] : [];
  });
}

const FILES = repositoryFiles();
const text = (file: string) => readFileSync(join(ROOT, file), 'utf8');

/** GitHub's heading slug: lower case, punctuation dropped (hyphens and underscores kept), spaces to hyphens. */
function githubSlug(heading: string): string {
  return heading
    .replace(/<[^>]*>/g, '')
    .replace(/`/g, '')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors a Markdown file offers: explicit `id="…"`s and its headings' slugs (repeats get -1, -2, …). */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const [, id] of markdown.matchAll(/<a\s+(?:[^>]*\s)?(?:id|name)="([^"]+)"/g)) anchors.add(id!);
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const heading = !fenced && /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const slug = githubSlug(heading[1]!);
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count ? `${slug}-${count}` : slug);
  }
  return anchors;
}

/** The names of the research notes that used to be cited from outside the repository. */
const OUTSIDE_NOTES = ['dial-core-and-chat', 'dial-core-newest', 'auth0-and-mock-idps', 'style-anchors', 'node20-toolchain'];
/** A path into the team's notes folder (spelt in two parts, so that a grep for it finds no citation here). */
const NOTES_PATH = new RegExp(`(^|[^\\w/.-])(\\.\\./)*(shared/)?${'refer'}ence/`);
/** Section signs that belong to a public standard's own numbering, which may be cited. */
const STANDARD_SECTION = /\b(RFC \d+|ECMA-\d+) §[\d.]+(?:[–-]§?[\d.]+)?/g;

/** What in one file cites something outside the repository, one line of explanation each. */
function outsideCitations(source: string): string[] {
  const found: string[] = [];
  source.split('\n').forEach((line, i) => {
    const where = `line ${i + 1}: ${line.trim().slice(0, 120)}`;
    // A public URL may contain anything (Auth0's own docs have a path segment named like the notes' folder); the rest of the line may not.
    const bare = line.replace(/https?:\/\/[^\s)\]>'"`]+/g, '<url>');
    if (NOTES_PATH.test(bare)) found.push(`a path into the notes' folder: ${where}`);
    if (/\.md ?§/.test(bare)) found.push(`a "*.md §" section: ${where}`);
    if (/\b[Rr]eference (§|[\w-]+\.md)/.test(bare)) found.push(`"reference …": ${where}`);
    if (bare.replace(STANDARD_SECTION, '').includes('§')) found.push(`a § section that is not a standard's: ${where}`);
    const note = OUTSIDE_NOTES.find((name) => bare.includes(`${name}.md`) || new RegExp(`\\b${name}\\b`).test(bare));
    if (note) found.push(`the outside note ${note}: ${where}`);
  });
  return found;
}

/** Every `docs/<file>.md#<anchor>` a file cites (and, inside docs/, its relative `<file>.md#<anchor>` links). */
function docsCitations(file: string, source: string): { doc: string; anchor: string }[] {
  const cited = [...source.matchAll(/(?<![\w/.-])(?:\.\.\/)*docs\/([\w-]+\.md)#([\w-]+)/g)].map(([, doc, anchor]) => ({ doc: doc!, anchor: anchor! }));
  if (file.startsWith('docs/')) {
    for (const [, doc, anchor] of source.matchAll(/\]\(((?:\.\/)?[\w-]+\.md)?#([\w-]+)\)/g)) {
      cited.push({ doc: doc ? basename(doc) : basename(file), anchor: anchor! });
    }
  }
  return cited;
}

describe('citations', () => {
  it('finds the files it checks: code, tests, README, compose.yaml, environments and docs', () => {
    for (const file of ['README.md', 'compose.yaml', 'mock-core/core.ts', 'sandbox/doctor/core-checks.ts', 'environments/auth0-tutorial/tenant.yaml', 'docs/dial-core.md']) {
      expect(FILES).toContain(file);
    }
  });

  it('cites no file kept outside the repository', () => {
    const offending = FILES.filter((file) => file !== THIS_FILE).flatMap((file) => outsideCitations(text(file)).map((why) => `${file}, ${why}`));
    expect(offending).toEqual([]);
  });

  it('cites only docs anchors that exist', () => {
    const anchors = new Map<string, Set<string>>();
    const missing: string[] = [];
    let count = 0;
    for (const file of FILES) {
      for (const { doc, anchor } of docsCitations(file, text(file))) {
        count++;
        if (!anchors.has(doc)) anchors.set(doc, existsSync(join(ROOT, 'docs', doc)) ? anchorsOf(text(join('docs', doc))) : new Set());
        if (!anchors.get(doc)!.has(anchor)) missing.push(`${file} cites docs/${doc}#${anchor}`);
      }
    }
    expect(missing).toEqual([]);
    // The code and tests cite the docs in some hundred places; none found would mean the pattern broke.
    expect(count).toBeGreaterThan(100);
  });

  it('gives every explicit anchor of a docs file once', () => {
    const repeated = FILES.filter((file) => file.startsWith('docs/')).flatMap((file) => {
      const ids = [...text(file).matchAll(/<a\s+id="([^"]+)"/g)].map(([, id]) => id!);
      return ids.filter((id, i) => ids.indexOf(id) !== i).map((id) => `${file}: ${id}`);
    });
    expect(repeated).toEqual([]);
  });

  it('catches the forms the old citations took, and lets standards and URLs be', () => {
    const old = [
      ['(reference dial-', 'core-and-chat.md §2.3)'].join(''),
      ['see refer', 'ence/dial-core-and-chat.md'].join(''),
      ['// ', 'Reference §7'].join(''),
      ["['B ", "§2.5', 'no API-KEY']"].join(''),
      ['(../../../shared/refer', 'ence/auth0-tutorial.md)'].join(''),
      ["'", '§1.4: RS256 only', "'"].join(''),
    ];
    for (const line of old) expect(outsideCitations(line), line).not.toEqual([]);
    const fine = [
      '/** RFC 9112 §4–§7, ECMA-262 §21.4.1.1 */',
      `[event](https://auth0.com/docs/customize/actions/${'refer'}ence/post-login/post-login-event-object)`,
      'resolve references (roles, client grants)',
      '(docs/dial-core.md#jwks-cache)',
    ];
    for (const line of fine) expect(outsideCitations(line), line).toEqual([]);
  });

  it('computes anchors as GitHub does', () => {
    expect(anchorsOf('# Title\n## The JWK cache\n<a id="jwks-cache"></a>\n### `GET /v1/bucket`\n## Title\n```\n# not a heading\n```\n'))
      .toEqual(new Set(['jwks-cache', 'title', 'the-jwk-cache', 'get-v1bucket', 'title-1']));
  });
});
