/**
 * mock-core's table of routes (mock-core/routes.ts), walked row by row against a running mock-core: each row
 * answers its own requests, before or after authentication as it says, and whatever is not in the table
 * gets Core's not-served answer, 502 "No route", once the caller is authenticated.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Core } from '../mock-core/core.ts';
import { CONTROL_LOG, CORE_ROUTES } from '../mock-core/routes.ts';
import { call, startCoreWith } from './support/core-alone.ts';

const KEY = { 'api-key': 'walk-key' };
const NOT_SERVED = { status: 502, body: 'No route' };
const UNAUTHENTICATED = { status: 401, body: 'At least API-KEY or Authorization header must be provided' };

/** Paths a row's pattern matches: each named group filled with "x", each alternative taken in turn. */
function examplesOf(pattern: RegExp): string[] {
  const expand = (source: string): string[] => {
    const choice = /\((?!\?)([^()]*)\)/.exec(source);
    if (!choice) return [source];
    return choice[1]!.split('|').flatMap((option) => expand(source.replace(choice[0], option)));
  };
  return expand(pattern.source.replace(/^\^|\$$/g, '').replace(/\(\?<\w+>[^()]*\)/g, 'x')).map((path) => path.replace(/\\\//g, '/'));
}

describe("mock-core's table of routes, walked", () => {
  let core: Core;
  const rows = CORE_ROUTES.flatMap((row) => examplesOf(row.pattern).map((path) => ({ ...row, path })));

  beforeAll(async () => {
    core = await startCoreWith({ identityProviders: { idp: { disableJwtVerification: true, rolePath: 'roles' } } }, { keys: { 'walk-key': { project: 'walk', role: 'walker' } } });
  });
  afterAll(() => core?.stop());

  it('derives from every row a path the row itself matches', () => {
    expect(rows.length).toBeGreaterThan(CORE_ROUTES.length); // the alternatives count, each
    for (const row of rows) expect(row.pattern.test(row.path), `${row.pattern} ← ${row.path}`).toBe(true);
  });

  it.each(rows.map((row) => [`${row.method} ${row.path}`, row] as const))('%s is served by its row, and authenticated only where the row says', async (_name, row) => {
    const init = { method: row.method, headers: { ...KEY, 'content-type': 'application/json' }, body: row.method === 'POST' ? '{}' : undefined };
    const served = await call(`${core.url}${row.path}`, init);
    expect(served).not.toMatchObject(NOT_SERVED);
    expect(served.status).toBeLessThan(500);
    const anonymous = await call(`${core.url}${row.path}`, { ...init, headers: { 'content-type': 'application/json' } });
    if (row.authenticated) expect(anonymous).toMatchObject(UNAUTHENTICATED);
    else expect(anonymous).toMatchObject({ status: 200 });
  });

  it('answers a path of the table with a method no row has for it, as Core: 502 "No route" (HEAD: no body)', async () => {
    const otherMethod = (method: string) => ['GET', 'POST', 'PUT', 'DELETE'].find((m) => m !== method)!;
    for (const row of rows) {
      const method = otherMethod(row.method);
      if (rows.some((other) => other.method === method && other.pattern.test(row.path))) continue;
      expect(await call(`${core.url}${row.path}`, { method, headers: KEY }), `${method} ${row.path}`).toMatchObject(NOT_SERVED);
    }
    expect(await call(`${core.url}/openai/models`, { method: 'HEAD', headers: KEY })).toMatchObject({ status: 502, body: '' });
  });

  it('answers a path not in the table 502 "No route" once authenticated, 401 before; preflight and /__control/log come first', async () => {
    for (const path of ['/', '/not/in/the/table', '/openai', '/openai/models/', '/v1/user', '/healthz', '/health/x', '/__control']) {
      expect(await call(`${core.url}${path}`, { headers: KEY }), path).toMatchObject(NOT_SERVED);
      expect(await call(`${core.url}${path}`), path).toMatchObject(UNAUTHENTICATED);
      expect(await call(`${core.url}${path}`, { method: 'OPTIONS' }), path).toMatchObject({ status: 200, body: '' });
    }
    const control = await call(`${core.url}${CONTROL_LOG.prefix}`);
    expect(control).toMatchObject({ status: 200, contentType: 'application/json' });
    // The walk itself is in the log, and the control path's own requests are not.
    const paths = (JSON.parse(control.body) as { path: string }[]).map((entry) => entry.path);
    expect(paths).toContain('/not/in/the/table');
    expect(paths.some((path) => path.startsWith(CONTROL_LOG.prefix))).toBe(false);
  });
});
