/**
 * The web console as an HTTP server, without a browser: its table of routes (console/routes.ts) walked row
 * by row, the checks every request meets before the table (Host, Origin, the body's type and size), and the
 * control token (a form once, then a session cookie; Bearer for scripts). The browser's flows are in
 * console-browser.test.ts.
 */
import http from 'node:http';

import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';

import { ROUTES } from '../../console/routes.ts';
import { startSandbox, type StartedSandbox } from '../../sandbox/index.ts';
import { privateStateDir } from '../support/sandbox-helpers.ts';
import { consoleCall, rawRequest } from './console-client.ts';

/** A body each row can take: real enough that the row answers for itself rather than at the body check. */
const BODIES: Record<string, unknown> = {
  'POST /api/tokens/inspect': { token: 'not-a-jwt' },
  'POST /api/users': { email: 'walker@example.com', password: 'Walker-1' },
  'POST /api/users/:id/roles': { roles: ['rol_nobody'] },
  'DELETE /api/users/:id/roles': { roles: ['rol_nobody'] },
  'PUT /api/scenario': { name: 'token-500' },
  'PUT /api/clock': { advance_seconds: 0 },
  'PUT /api/models/:model/fault': { latencyMs: 0 },
  'POST /api/try': { user: 'alice@example.com', deployment: 'gpt-4', prompt: 'hi' },
};
/** What fills a row's captures: a model the stubs really have; a user and a kid nobody has (the service's 404 then). */
const CAPTURES: Record<string, string> = { ':model': 'gpt-4', ':id': 'auth0|nobody', ':kid': 'kid-nobody' };
/** A rest capture, by the row's first segment: a file that row really serves. */
const FILES: Record<string, string> = { assets: 'app.js', vendor: 'lit-html.js' };

describe("the console's table of routes, walked", () => {
  let sandbox: StartedSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox(undefined, { stateDir: privateStateDir('console-routes'), consolePort: 0 });
  });
  afterAll(() => sandbox?.stop());

  const rows = ROUTES.map((row) => {
    const pattern = `/${row.path.join('/')}`;
    const path = `/${row.path.map((part) => (part.startsWith('*') ? FILES[row.path[0]!]! : CAPTURES[part] ?? part)).join('/')}`;
    return [`${row.method} ${pattern}`, row.method, path] as const;
  });

  it.each(rows)('%s answers for itself, not as a path or method the console does not serve', async (name, method, path) => {
    const body = BODIES[name];
    if (path === '/api/events') {
      // A stream that stays open: its head is the answer.
      const aborting = new AbortController();
      const response = await fetch(new URL(path, sandbox.consoleUrl), { signal: aborting.signal });
      aborting.abort();
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      return;
    }
    const answer = await consoleCall(sandbox.consoleUrl!, method, path, body);
    expect(answer.status, JSON.stringify(answer.body)).toBeLessThan(500);
    expect(answer.status).not.toBe(405);
    // The console's own 404 is `{error:'not_found'}`; a service's 404 passed through is `{status, body, call}`.
    expect(answer.body?.error).not.toBe('not_found');
  });

  it.each([['GET', '/nothing'], ['GET', '/api'], ['GET', '/api/matrix/extra'], ['POST', '/api/users/auth0|x/roles/more'], ['GET', '/assets/'], ['GET', '/%E0%A4%A']])('%s %s, in no row, gets the console\'s 404', async (method, path) => {
    const answer = await consoleCall(sandbox.consoleUrl!, method, path);
    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({ error: 'not_found', message: expect.stringContaining(`The console serves no ${method}`) });
  });

  it('answers a page file it does not have, and the page itself asked for as a file, with the same 404', async () => {
    for (const path of ['/assets/nothing.js', '/assets/index.html', '/assets/../console.ts', '/vendor/lit-html/directives/class-map.js']) {
      const answer = await consoleCall(sandbox.consoleUrl!, 'GET', path);
      expect(answer.status, path).toBe(404);
      expect(answer.body.error, path).toBe('not_found');
    }
  });

  it('answers a path of the table with a method no row has for it 405, with the methods it has in Allow', async () => {
    const answer = await consoleCall(sandbox.consoleUrl!, 'PUT', '/api/matrix');
    expect(answer.status).toBe(405);
    expect(answer.body).toEqual({ error: 'method_not_allowed', message: '/api/matrix takes no PUT.' });
    expect(answer.headers.get('allow')).toBe('GET');
    const users = await consoleCall(sandbox.consoleUrl!, 'GET', '/api/users/auth0|x/roles');
    expect(users.status).toBe(405);
    expect(users.headers.get('allow')).toBe('POST, DELETE');
  });
});

describe('what every request meets before the table: its Host, its Origin, its body', () => {
  let sandbox: StartedSandbox;
  let port: string;
  beforeAll(async () => {
    sandbox = await startSandbox(undefined, { stateDir: privateStateDir('console-sources'), consolePort: 0 });
    port = new URL(sandbox.consoleUrl!).port;
  });
  afterAll(() => sandbox?.stop());

  const newUser = (email: string) => JSON.stringify({ email, password: 'Passw0rd-1' });
  const userCount = () => sandbox.idp.accounts.all.length;

  it('answers a foreign Host 421, a page of the same name (DNS rebinding) included, and changes nothing', async () => {
    const before = sandbox.idp.directory.version;
    for (const host of [`evil.example:${port}`, `127.0.0.1.evil.example:${port}`, '127.0.0.1', `127.0.0.1:${Number(port) + 1}`]) {
      const read = await rawRequest(sandbox.consoleUrl!, 'GET', '/api/matrix', { host });
      expect(read.status, host).toBe(421);
      expect(read.body.error).toBe('misdirected');
      const change = await rawRequest(sandbox.consoleUrl!, 'POST', '/api/users', { host, 'content-type': 'application/json' }, newUser('rebound@example.com'));
      expect(change.status, host).toBe(421);
    }
    expect(sandbox.idp.directory.version).toBe(before);
    expect(sandbox.idp.accounts.byEmail('rebound@example.com')).toBeUndefined();
  });

  it('answers its own loopback names, whichever the browser used', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`]) {
      expect((await rawRequest(sandbox.consoleUrl!, 'GET', '/api/directory', { host })).status, host).toBe(200);
    }
  });

  it('answers a change from another origin 403 whatever the method, and changes nothing; a read from elsewhere is answered', async () => {
    const before = sandbox.idp.directory.version;
    const bob = sandbox.idp.accounts.byEmail('bob@example.com')!;
    for (const origin of ['http://evil.example', `http://evil.example:${port}`, `https://127.0.0.1:${port}`, 'null']) {
      const headers = { origin };
      const created = await consoleCall(sandbox.consoleUrl!, 'POST', '/api/users', { email: 'csrf@example.com', password: 'Passw0rd-1' }, headers);
      expect(created.status, origin).toBe(403);
      expect(created.body).toEqual({ error: 'foreign_origin', message: `A change from ${origin} is refused: only the console's own page may make one.` });
      expect((await consoleCall(sandbox.consoleUrl!, 'DELETE', `/api/users/${encodeURIComponent(bob.user_id)}`, undefined, headers)).status).toBe(403);
      expect((await consoleCall(sandbox.consoleUrl!, 'PUT', '/api/scenario', { name: 'token-500' }, headers)).status).toBe(403);
    }
    expect(sandbox.idp.directory.version).toBe(before);
    expect(sandbox.idp.accounts.byEmail('bob@example.com')).toBeDefined();
    expect(sandbox.idp.scenario.current).toBeUndefined();
    expect((await consoleCall(sandbox.consoleUrl!, 'GET', '/api/directory', undefined, { origin: 'http://evil.example' })).status).toBe(200);
    // The page's own origin may change things.
    const own = await consoleCall(sandbox.consoleUrl!, 'PUT', '/api/clock', { advance_seconds: 0 }, { origin: `http://localhost:${port}` });
    expect(own.status).toBe(200);
  });

  it('answers a form-encoded change 415 (a cross-site form cannot send JSON) and creates nobody', async () => {
    const before = userCount();
    const answer = await consoleCall(sandbox.consoleUrl!, 'POST', '/api/users', 'email=form%40example.com&password=Passw0rd-1', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(answer.status).toBe(415);
    expect(answer.body.error).toBe('unsupported_media_type');
    const textPlain = await consoleCall(sandbox.consoleUrl!, 'POST', '/api/users', newUser('plain@example.com'), { 'content-type': 'text/plain' });
    expect(textPlain.status).toBe(415);
    expect(userCount()).toBe(before);
  });

  it('answers a body over 64 KiB 413, counted in bytes (not characters), and creates nobody', async () => {
    const before = sandbox.idp.directory.version;
    const ascii = await consoleCall(sandbox.consoleUrl!, 'POST', '/api/users', { email: 'big@example.com', password: 'Passw0rd-1', name: 'a'.repeat(70_000) });
    expect(ascii.status).toBe(413);
    expect(ascii.body).toEqual({ error: 'too_large', message: 'The body is over 65536 bytes.' });
    // 40,000 characters of two bytes each: 80 KB on the wire.
    const wide = await consoleCall(sandbox.consoleUrl!, 'POST', '/api/users', { email: 'wide@example.com', password: 'Passw0rd-1', name: 'é'.repeat(40_000) });
    expect(wide.status).toBe(413);
    expect(sandbox.idp.directory.version).toBe(before);
  });

  it('takes a body just under 64 KiB of non-ASCII characters, whole', async () => {
    // 20,000 three-byte characters: 60 KB, under the limit in bytes as it is in characters.
    const name = '€'.repeat(20_000);
    const answer = await consoleCall(sandbox.consoleUrl!, 'POST', '/api/users', { email: 'euro@example.com', password: 'Passw0rd-1', name });
    expect(answer.status, JSON.stringify(answer.body).slice(0, 300)).toBe(201);
    expect(sandbox.idp.accounts.byEmail('euro@example.com')?.name).toBe(name);
  });

  it('answers a body that is not a JSON object 400, and creates nobody', async () => {
    const before = userCount();
    for (const body of ['{"email":', '[]', '"text"', 'null']) {
      const answer = await consoleCall(sandbox.consoleUrl!, 'POST', '/api/users', body);
      expect(answer.status, body).toBe(400);
      expect(answer.body.error).toBe('bad_request');
    }
    expect(userCount()).toBe(before);
  });
});

describe('the console with a control token', () => {
  const TOKEN = 'secret';
  let sandbox: StartedSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox(undefined, { stateDir: privateStateDir('console-token'), consolePort: 0, controlToken: TOKEN });
  });
  afterAll(() => sandbox?.stop());

  const base = () => sandbox.consoleUrl!;
  const logIn = (token: string) => consoleCall(base(), 'POST', '/session', new URLSearchParams({ token }).toString(), { 'content-type': 'application/x-www-form-urlencoded' });
  const sessionOf = (answer: { headers: Headers }) => /^dial_console_session=([^;]+);/.exec(answer.headers.get('set-cookie') ?? '')?.[1];

  it('shows the token form at / to a browser without a session: a labelled password input, under the page\'s CSP', async () => {
    const page = await consoleCall(base(), 'GET', '/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("form-action 'self'");
    const input = /<input id="([^"]+)" name="token" type="password"/.exec(page.body as string);
    expect(input).not.toBeNull();
    expect(page.body).toMatch(new RegExp(`<label for="${input![1]}">The sandbox's control token`));
    expect(page.body).toContain('<form method="post" action="/session">');
    // The page's files are open: the form needs its stylesheet.
    expect((await consoleCall(base(), 'GET', '/assets/style.css')).status).toBe(200);
  });

  it('answers the API 401 without a session, and with a wrong Bearer', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: `Basic ${TOKEN}` }, { cookie: 'dial_console_session=made-up' }] as Record<string, string>[]) {
      const answer = await consoleCall(base(), 'GET', '/api/matrix', undefined, headers);
      expect(answer.status, JSON.stringify(headers)).toBe(401);
      expect(answer.body.error).toBe('session_required');
    }
    expect((await openEventsStatus(base()))).toBe(401);
  });

  it('answers a wrong token at the form 401 with the form again, and no cookie', async () => {
    const answer = await logIn('not-the-token');
    expect(answer.status).toBe(401);
    expect(answer.headers.get('set-cookie')).toBeNull();
    expect(answer.body).toContain('That is not the control token.');
  });

  it('answers a token form over 64 KiB 413, with no cookie', async () => {
    const answer = await logIn(TOKEN + 'x'.repeat(64 * 1024));
    expect(answer.status).toBe(413);
    expect(answer.headers.get('set-cookie')).toBeNull();
  });

  it('answers HEAD on the event stream with its headers and an end: the connection then serves the next request', async () => {
    // One keep-alive connection: had the HEAD left a stream open on it, the GET after it would never be answered.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    onTestFinished(() => agent.destroy());
    const ask = (method: string, path: string) => new Promise<http.IncomingMessage>((answered, failed) => {
      http.request(`${base()}${path}`, { method, agent, headers: { authorization: `Bearer ${TOKEN}` } }, (res) => {
        res.resume();
        res.on('end', () => answered(res));
      }).on('error', failed).end();
    });
    const head = await ask('HEAD', 'api/events');
    expect([head.statusCode, head.headers['content-type']]).toEqual([200, 'text/event-stream; charset=utf-8']);
    expect((await ask('GET', 'api/directory')).statusCode).toBe(200);
  });

  it('opens a session for the right token: 303 to the page with an HttpOnly, SameSite=Strict cookie that opens the API, until DELETE /session', async () => {
    const answer = await logIn(TOKEN);
    expect(answer.status).toBe(303);
    expect(answer.headers.get('location')).toBe('/');
    expect(answer.headers.get('set-cookie')).toMatch(/^dial_console_session=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/$/);
    const cookie = `dial_console_session=${sessionOf(answer)}`;
    expect((await consoleCall(base(), 'GET', '/api/matrix', undefined, { cookie })).status).toBe(200);
    const page = await consoleCall(base(), 'GET', '/', undefined, { cookie });
    expect(page.body).not.toContain('name="token"'); // the console itself, not the form

    const ended = await consoleCall(base(), 'DELETE', '/session', undefined, { cookie });
    expect(ended.status).toBe(204);
    expect(ended.headers.get('set-cookie')).toMatch(/^dial_console_session=; .*Max-Age=0/);
    expect((await consoleCall(base(), 'GET', '/api/matrix', undefined, { cookie })).status).toBe(401);
  });

  it('keeps each session its own: ending one leaves another open', async () => {
    const [first, second] = [await logIn(TOKEN), await logIn(TOKEN)].map((a) => `dial_console_session=${sessionOf(a)}`);
    expect(first).not.toBe(second);
    await consoleCall(base(), 'DELETE', '/session', undefined, { cookie: first! });
    expect((await consoleCall(base(), 'GET', '/api/matrix', undefined, { cookie: first! })).status).toBe(401);
    expect((await consoleCall(base(), 'GET', '/api/matrix', undefined, { cookie: second! })).status).toBe(200);
  });

  it('opens the API to a script with Authorization: Bearer <token>, and passes the token on to the services\' /__control itself', async () => {
    const bearer = { authorization: `Bearer ${TOKEN}` };
    expect((await consoleCall(base(), 'GET', '/api/matrix', undefined, bearer)).status).toBe(200);
    // The IdP's /__control wants the token too; the console sends it, so the scenario is switched, not refused.
    const on = await consoleCall(base(), 'PUT', '/api/scenario', { name: 'jwks-503' }, bearer);
    expect(on.status, JSON.stringify(on.body)).toBe(200);
    expect(on.body.call).toBe('PUT /__control/scenario {"name":"jwks-503"} → 200');
    expect(sandbox.idp.scenario.current).toBe('jwks-503');
    const controls = await consoleCall(base(), 'GET', '/api/controls', undefined, bearer);
    expect(controls.body.clock).toHaveProperty('frozen');
    expect(controls.body.scenarios.scenarios).toContainEqual(expect.objectContaining({ name: 'jwks-503' }));
    expect((await consoleCall(base(), 'DELETE', '/api/scenario', undefined, bearer)).status).toBe(200);
    expect(sandbox.idp.scenario.current).toBeUndefined();
    // And the stub models' /__control.
    const fault = await consoleCall(base(), 'PUT', '/api/models/gpt-4/fault', { latencyMs: 0 }, bearer);
    expect(fault.status, JSON.stringify(fault.body)).toBe(200);
    expect((await consoleCall(base(), 'DELETE', '/api/models/gpt-4/fault', undefined, bearer)).status).toBe(200);
  });
});

/** /api/events' status alone (a 200 would stay open: closed at once). */
async function openEventsStatus(base: string): Promise<number> {
  const aborting = new AbortController();
  const response = await fetch(new URL('/api/events', base), { signal: aborting.signal });
  aborting.abort();
  return response.status;
}
