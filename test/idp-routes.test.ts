/**
 * mock-idp's route table (mock-idp/routes.ts), walked row by row against a running IdP: every path it lists
 * is answered by the IdP (whatever the answer, it is not "not served"), and a path it does not list is.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createMemoryLogger } from '../common/log.ts';
import { createIdp, type Idp } from '../mock-idp/idp.ts';
import { MANAGEMENT_SCOPES } from '../mock-idp/management/management-api.ts';
import { ROUTES, type Route } from '../mock-idp/routes.ts';
import { tutorialTenant } from './support/idp.ts';
import { privateStateDir } from './support/sandbox-helpers.ts';

const pathsOf = (route: Route): readonly string[] => (typeof route.path === 'string' ? [route.path] : route.path);
/** A path the pattern matches: a parameter filled in, an optional tail (`{/*step}`) taken. */
const example = (pattern: string) => pattern.replace(/\{\/\*\w+\}/g, '/step').replace(/:\w+/g, 'nobody');
/** The Management API's own "not served": the row that answers what is not in its subset. */
const MANAGEMENT_REST = '/api/v2{/*rest}';
/** `use` rows are middleware in front of the rows below them; the others answer. */
const endpoints = ROUTES.filter((route) => route.method !== 'use' && route.path !== MANAGEMENT_REST);
const requests = endpoints.flatMap((route) => pathsOf(route).map((path) => [route.method === 'all' ? 'GET' : route.method.toUpperCase(), example(path)] as const));

/** The IdP's answer for a path no row serves, or the Management API's for one outside its subset. */
function isNotServed({ status, body }: { status: number; body: unknown }): boolean {
  const { error_description: description, message } = (body ?? {}) as { error_description?: unknown; message?: unknown };
  return status === 404 && (/^mock-idp does not serve /.test(String(description)) || /is not in the sandbox's Management API subset$/.test(String(message)));
}

describe("mock-idp's route table", () => {
  const log = createMemoryLogger('mock-idp');
  let idp: Idp;
  /** Every Management API scope, so that its rows get past the scope check to the operation. */
  let management: string;
  beforeAll(async () => {
    // A state folder of its own: a row walked is a request made (POST /__control/reset among them).
    idp = await createIdp({ tenant: tutorialTenant(), stateDir: privateStateDir('routes'), httpPort: 0, httpsPort: 0, log });
    const minted = await fetch(`${idp.httpUrl}/__control/tokens`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_id: 'ci-runner', audience: `${idp.issuer}api/v2/`, scope: MANAGEMENT_SCOPES.join(' ') }),
    });
    management = ((await minted.json()) as { access_token: string }).access_token;
  });
  afterAll(() => idp.stop());

  async function ask(method: string, path: string): Promise<{ status: number; body: unknown }> {
    const headers = path.startsWith('/api/v2/') ? { authorization: `Bearer ${management}` } : undefined;
    const response = await fetch(`${idp.httpUrl}${path}`, { method, headers, redirect: 'manual' });
    const text = await response.text();
    return { status: response.status, body: response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
  }

  it('lists each method and path once', () => {
    const keys = requests.map(([method, path]) => `${method} ${path}`);
    expect(keys.filter((key, i) => keys.indexOf(key) !== i)).toEqual([]);
  });

  it('has the Management API catch-all row it walks around', () => {
    expect(ROUTES.filter((route) => route.path === MANAGEMENT_REST).map((route) => route.method)).toEqual(['all']);
  });

  it('puts every middleware row in front of paths the table answers', () => {
    const answered = requests.map(([, path]) => path);
    const guarding = ROUTES.filter((route) => route.method === 'use').flatMap(pathsOf);
    expect(guarding.filter((prefix) => !answered.some((path) => path === prefix || path.startsWith(`${prefix}/`)))).toEqual([]);
  });

  it.each(requests)('answers %s %s from its row, not as a path it does not serve, and without failing', async (method, path) => {
    const answer = await ask(method, path);
    expect(isNotServed(answer), JSON.stringify(answer.body)).toBe(false);
    expect(answer.status).toBeLessThan(500);
  });

  it.each([
    ['GET', '/oauth/device/code'], // in Auth0's discovery document, not in the sandbox
    ['POST', '/nowhere'],
    ['GET', '/.well-known/nothing'],
    ['GET', '/__control/nothing'],
  ])('answers %s %s, which no row lists, with its own "not served" error naming it', async (method, path) => {
    expect(await ask(method, path)).toEqual({
      status: 404,
      body: { error: 'not_found', error_description: `mock-idp does not serve ${method} ${path}. See the README for the Auth0 endpoints it emulates.` },
    });
  });

  it.each([['GET', '/api/v2/nothing'], ['POST', '/api/v2/clients']])('answers %s %s, outside the Management API subset, in its shape, naming it', async (method, path) => {
    expect(await ask(method, path)).toEqual({
      status: 404,
      body: { statusCode: 404, error: 'Not Found', message: `Not Found: ${method} ${path} is not in the sandbox's Management API subset`, errorCode: 'not_found' },
    });
  });

  it('has logged no failure of its own on the way', () => {
    expect(log.lines.filter((line) => line.includes('failed'))).toEqual([]);
  });
});
