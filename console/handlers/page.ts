/** The page, the control-token form and the session it opens; the page's own files and lit-html, from allow-lists. */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

import { readText, type Handler } from '../exchange.ts';
import { notServed } from '../errors.ts';
import { endedSessionCookie, PAGE_HEADERS, sendTokenForm, sessionCookie } from '../session.ts';

/** console/web beside this folder, from the sources and from dist/ alike (the build copies it). */
const WEB = fileURLToPath(new URL('../web/', import.meta.url));

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml' };

/** Every file of console/web, read once at start: a path not among them is a 404, never a read of the disk. */
function webFiles(): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (TYPES[extname(name)]) files.set(relative(WEB, path).split('\\').join('/'), readFileSync(path));
    }
  };
  walk(WEB);
  if (!files.has('index.html')) throw new Error(`the console's page is missing at ${WEB}: rebuild (npm run build copies console/web)`);
  return files;
}

/**
 * lit-html's production modules, served as they are (no build step): lit-html.js imports nothing, and the
 * `repeat` directive (the timeline's rows, patched by key) imports its siblings by relative URL.
 */
const LIT_FILES = ['lit-html.js', 'directive.js', 'directive-helpers.js', 'directives/repeat.js'];

function litHtml(): Map<string, Buffer> {
  // resolve() gives lit-html's node/ build; its package root is one folder up (it exports no ./package.json).
  const root = join(dirname(createRequire(import.meta.url).resolve('lit-html')), '..');
  return new Map(LIT_FILES.map((file) => [file, readFileSync(join(root, file))]));
}

const FILES = webFiles();
const LIT = litHtml();
/** Where the page imports lit-html from (console/web/app.js). */
export const LIT_HTML_PREFIX = '/vendor/lit-html';

export const page: Handler = ({ req, res, console: state }) => {
  if (!state.sessions.allows(req)) return sendTokenForm(res, 200, false);
  res.writeHead(200, { 'content-type': TYPES['.html']!, 'cache-control': 'no-store', ...PAGE_HEADERS });
  res.end(FILES.get('index.html'));
};

export const asset: Handler = ({ res, params }) => {
  const file = FILES.get(params.path!);
  if (!file || params.path === 'index.html') throw notServed('GET', `/assets/${params.path}`);
  // The page's own files change with the sandbox's version: revalidated, never kept stale.
  res.writeHead(200, { 'content-type': TYPES[extname(params.path!)]!, 'cache-control': 'no-cache', ...PAGE_HEADERS });
  res.end(file);
};

export const vendorLitHtml: Handler = ({ res, params }) => {
  const file = LIT.get(params.path!);
  if (!file) throw notServed('GET', `${LIT_HTML_PREFIX}/${params.path}`);
  res.writeHead(200, { 'content-type': TYPES['.js']!, 'cache-control': 'no-cache', ...PAGE_HEADERS });
  res.end(file);
};

/** The token form's POST (a form body): the right token opens a session and goes to the page; a wrong one gets the form again. */
export const openSession: Handler = async ({ req, res, console: state }) => {
  const given = new URLSearchParams(await readText(req)).get('token') ?? '';
  const session = state.sessions.open(given);
  if (!session) return sendTokenForm(res, 401, true);
  res.writeHead(303, { location: '/', 'set-cookie': sessionCookie(session), 'cache-control': 'no-store' });
  res.end();
};

export const closeSession: Handler = ({ req, res, console: state }) => {
  state.sessions.close(req);
  res.writeHead(204, { 'set-cookie': endedSessionCookie });
  res.end();
};
