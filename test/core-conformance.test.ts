import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Core } from '../mock-core/core.ts';
import type { Models } from '../mock-models/models.ts';
import { call, startCoreWith } from './support/core-alone.ts';
import { makeKey, signToken, startJwksServer, type JwksServer } from './support/jwks-server.ts';
import { startTestModels } from './support/models.ts';

/**
 * One row per rule: a request, and Core's answer (status, body, Content-Type), with the rule it checks
 * (an anchor of docs/dial-core.md, where the rule and its public source are written down).
 */
describe('mock-core conformance table', () => {
  let jwks: JwksServer;
  let models: Models;
  let core: Core;
  const key = makeKey('k');
  const token = (roles: string[]) => signToken(key, { sub: `auth0|${roles.join('-') || 'none'}`, dial_roles: roles, exp: Math.floor(Date.now() / 1000) + 600 });
  const user = (roles: string[]) => ({ authorization: `Bearer ${token(roles)}` });
  const json = { 'content-type': 'application/json' };
  const chat = JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] });

  beforeAll(async () => {
    jwks = await startJwksServer([key]);
    models = await startTestModels();
    const stub = (name: string, extra: Record<string, unknown> = {}) => ({
      type: 'chat',
      endpoint: `${models.url}/openai/deployments/${name}/chat/completions`,
      upstreams: [{ endpoint: models.url, key: name === 'gpt-4' ? 'modelKey2' : 'modelKey1' }],
      ...extra,
    });
    core = await startCoreWith(
      { identityProviders: { auth0: { jwksUrl: jwks.url, rolePath: 'dial_roles' } } },
      {
        models: {
          open: stub('gpt-35-turbo'),
          closed: stub('gpt-35-turbo', { userRoles: [] }),
          'for-a': stub('gpt-35-turbo', { userRoles: ['a'] }),
          'zero-limit': stub('gpt-35-turbo', { userRoles: ['a'] }),
          'no-endpoint': { type: 'chat' },
          unreachable: { type: 'chat', endpoint: 'http://127.0.0.1:1/chat' },
          'bad-request': stub('gpt-35-turbo', { upstreams: [{ endpoint: models.url, key: 'wrong' }] }),
          'with-token': stub('gpt-35-turbo', { forwardAuthToken: true }),
          renamed: stub('gpt-35-turbo', { overrideName: 'gpt-35-turbo-0613', defaults: { temperature: 0.5, max_tokens: 10 } }),
        },
        applications: { app: { endpoint: `${models.url}/openai/deployments/gpt-35-turbo/chat/completions`, userRoles: ['a'] } },
        roles: { a: { limits: { 'zero-limit': { minute: 0 } } } },
        keys: { 'key-a': { project: 'p', role: 'a' }, 'key-b': { project: 'q', roles: ['b'] } },
        routes: {
          hello: { paths: ['/custom/.*'], response: { status: 201, body: 'hello' }, userRoles: ['a'] },
          exact: { paths: ['/exact'], response: { status: 200, body: 'exact' } },
          'any-delete': { methods: ['DELETE'], response: { status: 202, body: 'any' } },
          lower: { paths: ['/lower'], methods: ['post'], response: { status: 200, body: 'lower' } },
        },
      },
    );
  });
  afterAll(async () => {
    await Promise.all([core?.stop(), models?.stop(), jwks?.stop()]);
  });

  type Row = [section: string, rule: string, request: () => { path: string; method?: string; headers?: Record<string, string>; body?: string }, status: number, body: string | RegExp, contentType: string | null];

  const rows: Row[] = [
    ['docs/dial-core.md#resource-paths', 'a malformed %-escape in the path: Core\'s unhandled 500, before authentication', () => ({ path: '/openai/models%zz' }), 500, '', null],
    ['docs/dial-core.md#credentials', 'no API-KEY and no Authorization', () => ({ path: '/openai/models' }), 401, 'At least API-KEY or Authorization header must be provided', null],
    ['docs/dial-core.md#credentials', 'an unknown API-KEY', () => ({ path: '/openai/models', headers: { 'api-key': 'nope' } }), 401, 'Unknown api key', null],
    ['docs/dial-core.md#credentials', 'a known API-KEY (any case of the header name)', () => ({ path: '/v1/user/info', headers: { 'Api-Key': 'key-a' } }), 200, '{"roles":["a"],"project":"p"}', null],
    ['docs/dial-core.md#credentials', 'a bad Authorization', () => ({ path: '/openai/models', headers: { authorization: 'Bearer nope' } }), 401, 'Bad Authorization header', null],
    ['docs/dial-core.md#credentials', 'API-KEY beside a one-part Authorization: Core\'s unhandled 500, empty', () => ({ path: '/v1/user/info', headers: { 'api-key': 'key-a', authorization: 'sometoken' } }), 500, '', null],
    ['docs/dial-core.md#credentials', 'API-KEY beside "Basic ": one part too, as Java splits it', () => ({ path: '/v1/user/info', headers: { 'api-key': 'key-a', authorization: 'Basic ' } }), 500, '', null],
    ['docs/dial-core.md#credentials', 'a one-part Authorization alone: 401', () => ({ path: '/v1/user/info', headers: { authorization: 'sometoken' } }), 401, 'Bad Authorization header', null],
    ['docs/dial-core.md#credentials', 'API-KEY and the same value in Authorization: tried as a key', () => ({ path: '/v1/user/info', headers: { 'api-key': 'key-a', authorization: 'Bearer key-a' } }), 200, /"project":"p"/, null],
    ['docs/dial-core.md#credentials', 'API-KEY and a different Authorization [0.39 wording inferred]', () => ({ path: '/openai/models', headers: { 'api-key': 'key-a', ...user(['a']) } }), 400, 'Provided API key is not per request key', null],
    ['docs/dial-core.md#credentials', 'API-KEY and an empty "Bearer "', () => ({ path: '/v1/user/info', headers: { 'api-key': 'key-a', authorization: 'Bearer ' } }), 200, /"project":"p"/, null],
    ['docs/dial-core.md#user-roles', 'no userRoles: open to a user without roles', () => ({ path: '/openai/deployments/open/chat/completions', method: 'POST', headers: { ...user([]), ...json }, body: chat }), 200, /"content":"hi"/, 'application/json'],
    ['docs/dial-core.md#user-roles', 'userRoles []: closed to everyone', () => ({ path: '/openai/deployments/closed/chat/completions', method: 'POST', headers: { ...user(['a']), ...json }, body: chat }), 403, 'Forbidden deployment: closed', null],
    ['docs/dial-core.md#user-roles', 'userRoles matched by a user role', () => ({ path: '/openai/deployments/for-a/chat/completions', method: 'POST', headers: { ...user(['x', 'a']), ...json }, body: chat }), 200, /"content":"hi"/, 'application/json'],
    ['docs/dial-core.md#user-roles', 'userRoles matched by a key role', () => ({ path: '/openai/deployments/for-a/chat/completions', method: 'POST', headers: { 'api-key': 'key-a', ...json }, body: chat }), 200, /"content":"hi"/, 'application/json'],
    ['docs/dial-core.md#user-roles', 'userRoles not matched by a key', () => ({ path: '/openai/deployments/for-a/chat/completions', method: 'POST', headers: { 'api-key': 'key-b', ...json }, body: chat }), 403, 'Forbidden deployment: for-a', null],
    ['docs/dial-core.md#limit-answers', 'a limit of 0 denies, JSON without Content-Type', () => ({ path: '/openai/deployments/zero-limit/chat/completions', method: 'POST', headers: { ...user(['a']), ...json }, body: chat }), 403, '{"error":{"message":"Access denied","display_message":"Access denied","code":"403"}}', null],
    ['docs/dial-core.md#deployment-call', 'a POST without application/json, before the lookup', () => ({ path: '/openai/deployments/nope/chat/completions', method: 'POST', headers: { ...user([]), 'content-type': 'text/plain' }, body: chat }), 415, 'Only application/json is supported', null],
    ['docs/dial-core.md#deployment-call', 'an unknown deployment [0.39 wording inferred]', () => ({ path: '/openai/deployments/nope/chat/completions', method: 'POST', headers: { ...user([]), ...json }, body: chat }), 404, 'Unknown deployment: nope', null],
    ['docs/dial-core.md#deployment-call', 'a body that is not JSON', () => ({ path: '/openai/deployments/open/chat/completions', method: 'POST', headers: { ...user([]), ...json }, body: '{"messages":' }), 400, '', null],
    ['docs/dial-core.md#deployment-call', 'a body that is a JSON array', () => ({ path: '/openai/deployments/open/chat/completions', method: 'POST', headers: { ...user([]), ...json }, body: '[]' }), 400, '', null],
    ['docs/dial-core.md#deployment-call', 'an empty body', () => ({ path: '/openai/deployments/open/chat/completions', method: 'POST', headers: { ...user([]), ...json }, body: '' }), 400, '', null],
    ['docs/dial-core.md#deployment-call', 'a deployment without endpoint', () => ({ path: '/openai/deployments/no-endpoint/chat/completions', method: 'POST', headers: { ...user([]), ...json }, body: chat }), 503, '', null],
    ['docs/dial-core.md#retries', 'an endpoint nobody listens on', () => ({ path: '/openai/deployments/unreachable/chat/completions', method: 'POST', headers: { ...user([]), ...json }, body: chat }), 502, 'Failed to connect to origin', null],
    ['docs/dial-core.md#forwarding', "an upstream's 4xx passes through as it is", () => ({ path: '/openai/deployments/bad-request/chat/completions', method: 'POST', headers: { ...user([]), ...json }, body: chat }), 401, /invalid_api_key/, 'application/json'],
    ['docs/dial-core.md#routes', 'a path Core does not serve: 502, not 404', () => ({ path: '/v2/nothing', headers: user([]) }), 502, 'No route', null],
    ['docs/dial-core.md#listings', 'GET a model the caller may not use: 403, empty', () => ({ path: '/openai/models/closed', headers: user(['a']) }), 403, '', null],
    ['docs/dial-core.md#listings', 'GET an unknown model: 404, empty', () => ({ path: '/openai/models/nope', headers: user([]) }), 404, '', null],
    ['docs/dial-core.md#listings', 'GET a model as an application', () => ({ path: '/openai/applications/open', headers: user([]) }), 404, 'Application is not found: open', null],
    ['docs/dial-core.md#listings', 'GET an unknown application', () => ({ path: '/openai/applications/nope', headers: user([]) }), 404, 'Unknown application: nope', null],
    ['docs/dial-core.md#listings', 'GET an application the caller may not use', () => ({ path: '/openai/applications/app', headers: user(['b']) }), 403, 'Forbidden deployment: app', null],
    ['docs/dial-core.md#before-authentication', 'a method Core does not take', () => ({ path: '/openai/models', method: 'PATCH', headers: user([]) }), 405, '', null],
    ['docs/dial-core.md#before-authentication', 'OPTIONS, without credentials', () => ({ path: '/openai/models', method: 'OPTIONS' }), 200, '', null],
    ['docs/dial-core.md#before-authentication', 'GET /health, without credentials', () => ({ path: '/health' }), 200, '', null],
    ['docs/dial-core.md#before-authentication', 'GET /version, without credentials', () => ({ path: '/version' }), 200, '0.39.2', null],
    ['docs/dial-core.md#routes', 'a configured route answering by itself', () => ({ path: '/custom/x', headers: { 'api-key': 'key-a' } }), 201, 'hello', null],
    ['docs/dial-core.md#routes', 'a route matched on the path alone (0.25): the query does not count', () => ({ path: '/exact?x=1', headers: { 'api-key': 'key-a' } }), 200, 'exact', null],
    ['docs/dial-core.md#routes', 'a route without paths takes every path its methods allow', () => ({ method: 'DELETE', path: '/anything/at/all', headers: { 'api-key': 'key-a' } }), 202, 'any', null],
    ['docs/dial-core.md#routes', 'a route\'s methods compared as written: "post" never matches a POST', () => ({ method: 'POST', path: '/lower', headers: { 'api-key': 'key-a' }, body: '{}' }), 502, 'No route', null],
    ['docs/dial-core.md#routes', 'a configured route the caller may not use', () => ({ path: '/custom/x', headers: { 'api-key': 'key-b' } }), 403, 'Forbidden route', null],
    ['docs/dial-core.md#user-info-and-bucket', 'GET /v1/bucket', () => ({ path: '/v1/bucket', headers: user([]) }), 200, /^\{"bucket":"[a-zA-Z0-9]+"\}$/, 'application/json'],
    ['docs/dial-core.md#user-info-and-bucket', 'GET /v1/user/info for a user', () => ({ path: '/v1/user/info', headers: user(['a']) }), 200, /^\{"roles":\["a"\],"userClaims":\{"sub":\["auth0\|a"\],"dial_roles":\["a"\],"exp":\[\]\}\}$/, null],
    ['docs/dial-core.md#limits-endpoint', 'GET /v1/deployments/{id}/limits, unlimited', () => ({ path: '/v1/deployments/open/limits', headers: user([]) }), 200, /^\{"minuteTokenStats":\{"total":9223372036854775807,"used":\d+\},"dayTokenStats"/, 'application/json'],
    ['docs/dial-core.md#limits-endpoint', 'GET limits of a deployment the caller may not use', () => ({ path: '/v1/deployments/closed/limits', headers: user([]) }), 403, 'Forbidden deployment: closed', null],
    ['docs/dial-core.md#listings', 'GET /openai/assistants (gone in 0.38): an empty list', () => ({ path: '/openai/assistants', headers: user([]) }), 200, '{"data":[],"object":"list"}', 'application/json'],
  ];

  it.each(rows)('%s — %s', async (_section, _rule, request, status, body, contentType) => {
    const { path, ...init } = request();
    const answer = await call(`${core.url}${path}`, init);
    expect(answer.status).toBe(status);
    if (typeof body === 'string') expect(answer.body).toBe(body);
    else expect(answer.body).toMatch(body);
    expect(answer.contentType).toBe(contentType);
    expect(answer.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('docs/dial-core.md#forwarding — forwards to the endpoint with Core\'s headers: per-request API-KEY, X-UPSTREAM-* (the caller\'s replaced), no Authorization, no traceparent', async () => {
    models.reset();
    const answer = await call(`${core.url}/openai/deployments/open/chat/completions?api-version=2024-02-01`, {
      method: 'POST',
      headers: { ...user([]), ...json, traceparent: '00-abc-def-01', 'x-conversation-id': 'conv-1', 'x-upstream-key': 'the-callers-own' },
      body: chat,
    });
    expect(answer.headers.get('x-upstream-attempts')).toBe('1');
    const [forwarded] = models.requests('gpt-35-turbo');
    expect(forwarded!.query).toEqual({ 'api-version': '2024-02-01' });
    expect(forwarded!.headers).toMatchObject({ 'x-upstream-key': 'modelKey1', 'x-upstream-endpoint': models.url, 'x-conversation-id': 'conv-1' });
    expect(forwarded!.headers['api-key']).toMatch(/^[\w-]{32}$/);
    expect(forwarded!.headers).not.toHaveProperty('authorization');
    expect(forwarded!.headers).not.toHaveProperty('traceparent');
  });

  it('docs/dial-core.md#body-limits — refuses a body declared over resources.maxSize (64 MiB) with 413 before reading it', async () => {
    const { request } = await import('node:http');
    const url = new URL(`${core.url}/openai/deployments/open/chat/completions`);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(url, { method: 'POST', headers: { ...user([]), ...json, 'content-length': String(64 * 1024 * 1024 + 1) } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.write('{');
    });
    expect(status).toBe(413);
  });

  it('docs/dial-core.md#forwarding — fills in defaults, puts overrideName into model and into X-DIAL-OVERRIDE-NAME', async () => {
    models.reset();
    await call(`${core.url}/openai/deployments/renamed/chat/completions`, { method: 'POST', headers: { ...user([]), ...json }, body: JSON.stringify({ messages: [{ role: 'user', content: 'x' }], max_tokens: 99 }) });
    const [forwarded] = models.requests('gpt-35-turbo');
    expect(forwarded!.body).toEqual({ messages: [{ role: 'user', content: 'x' }], max_tokens: 99, temperature: 0.5, model: 'gpt-35-turbo-0613' });
    expect(forwarded!.headers['x-dial-override-name']).toBe('gpt-35-turbo-0613');
  });

  it('docs/dial-core.md#forwarding — keeps Authorization for a deployment with forwardAuthToken', async () => {
    models.reset();
    const headers = user([]);
    await call(`${core.url}/openai/deployments/with-token/chat/completions`, { method: 'POST', headers: { ...headers, ...json }, body: chat });
    expect(models.requests('gpt-35-turbo')[0]!.headers.authorization).toBe(headers.authorization);
  });

  it('docs/dial-core.md#per-request-keys — forgets the per-request key once the request is over', async () => {
    models.reset();
    await call(`${core.url}/openai/deployments/open/chat/completions`, { method: 'POST', headers: { ...user(['a']), ...json }, body: chat });
    const perRequestKey = models.requests('gpt-35-turbo')[0]!.headers['api-key']!;
    expect((await call(`${core.url}/openai/models`, { headers: { 'api-key': perRequestKey } })).body).toBe('Unknown api key');
  });

  it('docs/dial-core.md#listings — takes any number of leading slashes, and reads a GET id to the end of the path', async () => {
    expect((await call(`${core.url}//openai/models`, { headers: user([]) })).status).toBe(200);
    expect(await call(`${core.url}/openai/deployments/open/chat/completions`, { headers: user([]) })).toMatchObject({ status: 404, body: '' });
  });

  it('docs/dial-core.md#before-authentication — answers OPTIONS with Access-Control-Max-Age and the requested methods and headers', async () => {
    const answer = await call(`${core.url}/openai/models`, { method: 'OPTIONS', headers: { 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' } });
    expect([answer.headers.get('access-control-max-age'), answer.headers.get('access-control-allow-methods'), answer.headers.get('access-control-allow-headers')]).toEqual(['86400', 'POST', 'authorization']);
  });
});
