/**
 * Who may use the console. It binds to loopback alone, and still: a request must name the console's own
 * address in Host (so a web page whose name resolves to 127.0.0.1 cannot drive it: DNS rebinding), a change
 * must come from the console's own page when it comes from a browser (Origin), and with a control token set
 * the browser shows it once, in a form, and gets a session cookie (a browser cannot put the header on a page
 * load or an EventSource). Scripts and tests send the token as `Authorization: Bearer`, as at /__control.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import { controlAllowed, CONTROL_TOKEN_ENV, sameToken } from '../common/control-token.ts';
import { foreignHost, foreignOrigin, sessionRequired } from './errors.ts';

export const SESSION_COOKIE = 'dial_console_session';

const SAFE_METHODS = new Set(['GET', 'HEAD']);

export class Sessions {
  readonly #controlToken: string | undefined;
  /** Kept in memory: a restart forgets every session, as it should. */
  readonly #open = new Set<string>();

  constructor(controlToken: string | undefined) {
    this.#controlToken = controlToken;
  }

  allows(req: IncomingMessage): boolean {
    if (this.#controlToken === undefined) return true;
    if (req.headers.authorization) return controlAllowed(req.headers, this.#controlToken);
    const session = cookieOf(req, SESSION_COOKIE);
    return session !== undefined && this.#open.has(session);
  }

  /** A new session for the right token (the form's); undefined for a wrong one. */
  open(given: string): string | undefined {
    if (this.#controlToken === undefined || !sameToken(given, this.#controlToken)) return undefined;
    const session = randomBytes(32).toString('base64url');
    this.#open.add(session);
    return session;
  }

  close(req: IncomingMessage): void {
    const session = cookieOf(req, SESSION_COOKIE);
    if (session) this.#open.delete(session);
  }
}

/** The session cookie: for this origin's pages only (SameSite=Strict), out of scripts' reach (HttpOnly); plain HTTP on loopback, so not Secure. */
export const sessionCookie = (session: string): string => `${SESSION_COOKIE}=${session}; HttpOnly; SameSite=Strict; Path=/`;
export const endedSessionCookie = `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`;

/** Throws 421 for a Host that is not the console's own loopback address, 403 for a browser's change from elsewhere. */
export function checkRequestSource(req: IncomingMessage, port: number): void {
  const host = req.headers.host;
  if (!host || !ownHosts(port).has(host.toLowerCase())) throw foreignHost(host);
  const origin = req.headers.origin;
  // A browser always sends Origin on a change (fetch, forms); a script may not, and has no cookie to ride on.
  if (!SAFE_METHODS.has(req.method ?? 'GET') && origin !== undefined && !ownHosts(port).has(originHost(origin))) throw foreignOrigin(origin);
}

export function requireSession(req: IncomingMessage, sessions: Sessions): void {
  if (!sessions.allows(req)) throw sessionRequired();
}

const ownHosts = (port: number) => new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);

function originHost(origin: string): string {
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' ? url.host.toLowerCase() : '';
  } catch {
    return '';
  }
}

function cookieOf(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

export const TOKEN_FORM_LABEL = `The sandbox's control token (--control-token or ${CONTROL_TOKEN_ENV})`;

export function sendTokenForm(res: ServerResponse, status: number, wrong: boolean): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...PAGE_HEADERS });
  res.end(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>dial-sandbox console: control token</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,"><link rel="stylesheet" href="/assets/style.css"></head>
<body><main class="token-form"><h1>dial-sandbox console</h1>
<p>This sandbox was started with a control token; the console asks for it once, then keeps a session cookie until the sandbox stops.</p>
<form method="post" action="/session">
<label for="token">${TOKEN_FORM_LABEL}</label>
<input id="token" name="token" type="password" autocomplete="off" required autofocus>
${wrong ? '<p role="alert" class="error">That is not the control token.</p>' : ''}
<button type="submit">Open the console</button>
</form></main></body></html>`);
}

/**
 * Every page: nothing from elsewhere, no inline script or style. "Offline" is then the browser's rule, not a
 * promise; and no site may frame the console.
 */
export const PAGE_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  // same-origin, not no-referrer: with no-referrer a form's POST says "Origin: null", which the Origin check must refuse.
  'referrer-policy': 'same-origin',
};
