import { brotliCompressSync, gzipSync } from 'node:zlib';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startSandbox, type StartedSandbox } from '../sandbox/index.ts';
import { alice, dialChat, startTestIdp, type TestIdp } from './support/idp.ts';

/** JSON text nested `depth` levels deep around `inner` (JSON.stringify itself cannot write it). */
const nested = (depth: number, inner = '1') => '{"a":'.repeat(depth) + inner + '}'.repeat(depth);

describe('mock-idp answers bodies it cannot use with Auth0-shaped 4xx, never a 500', () => {
  let idp: TestIdp;
  beforeAll(async () => {
    idp = await startTestIdp();
  });
  afterAll(() => idp.stop());

  const login = JSON.stringify({ grant_type: 'password', ...dialChat, ...alice, audience: 'dial-api' });
  const postToken = (headers: Record<string, string>, body: string | Buffer) => fetch(`${idp.httpsUrl}/oauth/token`, { method: 'POST', headers, body });
  const answer = async (response: Response) => ({ status: response.status, body: (await response.json()) as Record<string, unknown> });

  it('reads a body with a charset it does not know as UTF-8, as Auth0 (hapi) does', async () => {
    for (const type of ['application/json; charset=bogus', 'application/json;charset="x-unknown"']) {
      const response = await answer(await postToken({ 'content-type': type }, login));
      expect(response.status).toBe(200);
      expect(response.body.access_token).toEqual(expect.any(String));
    }
    const form = new URLSearchParams({ grant_type: 'password', ...dialChat, ...alice, audience: 'dial-api' }).toString();
    expect((await postToken({ 'content-type': 'application/x-www-form-urlencoded; charset=bogus' }, form)).status).toBe(200);
  });

  it.each(['gzip', 'deflate'])('answers a %s Content-Encoding on a body that is not compressed with 400 "Invalid compressed payload"', async (encoding) => {
    const response = await answer(await postToken({ 'content-type': 'application/json', 'content-encoding': encoding }, login));
    expect(response).toEqual({ status: 400, body: { error: 'invalid_request', error_description: 'Invalid compressed payload' } });
  });

  it('decodes a gzip body, and reads a br (or unknown) Content-Encoding as plain, as hapi decodes only gzip and deflate', async () => {
    expect((await postToken({ 'content-type': 'application/json', 'content-encoding': 'gzip' }, gzipSync(login))).status).toBe(200);
    expect((await postToken({ 'content-type': 'application/json', 'content-encoding': 'br' }, login)).status).toBe(200);
    expect((await postToken({ 'content-type': 'application/json', 'content-encoding': 'compress' }, login)).status).toBe(200);
    // A real brotli body is then no JSON: 400, as Auth0 answers it.
    const brotli = await answer(await postToken({ 'content-type': 'application/json', 'content-encoding': 'br' }, brotliCompressSync(login)));
    expect(brotli).toEqual({ status: 400, body: { error: 'invalid_request', error_description: 'Invalid request payload JSON format' } });
  });

  it('refuses JSON with a __proto__ key, as hapi (bourne) does, and changes nothing', async () => {
    const response = await answer(await postToken({ 'content-type': 'application/json' }, login.replace('{', '{"__proto__":{"admin":true},')));
    expect(response).toEqual({ status: 400, body: { error: 'invalid_request', error_description: 'Invalid request payload JSON format' } });
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('counts a compressed body at its decoded size: past 56 KiB it is 413, however small it was sent', async () => {
    const padded = JSON.stringify({ grant_type: 'password', ...dialChat, ...alice, audience: 'dial-api', pad: ' '.repeat(60 * 1024) });
    expect(await answer(await postToken({ 'content-type': 'application/json', 'content-encoding': 'gzip' }, gzipSync(padded)))).toEqual({
      status: 413, body: { error: 'invalid_request', error_description: 'Payload content length greater than maximum allowed: 57344' },
    });
  });

  it('reads a repeated form field as a list, as hapi (node:querystring) does: a repeated scope is space-joined', async () => {
    const form = `${new URLSearchParams({ grant_type: 'password', ...dialChat, ...alice, audience: 'dial-api' })}&scope=openid&scope=offline_access`;
    const response = await answer(await postToken({ 'content-type': 'application/x-www-form-urlencoded' }, form));
    expect(response.status).toBe(200);
    expect(response.body.refresh_token).toEqual(expect.any(String));
  });

  it('refuses JSON nested 4,000 deep as a parameter that is not a string', async () => {
    const deepParameter = await answer(await postToken({ 'content-type': 'application/json' }, `{"grant_type":"password","scope":${'['.repeat(4000)}${']'.repeat(4000)}}`));
    expect(deepParameter).toEqual({ status: 400, body: { error: 'invalid_request', error_description: "Invalid parameter 'scope': expected a string." } });
    const deepObject = await answer(await postToken({ 'content-type': 'application/json' }, `{"grant_type":"password","audience":${nested(4000)}}`));
    expect(deepObject).toEqual({ status: 400, body: { error: 'invalid_request', error_description: "Invalid parameter 'audience': expected a string." } });
    // A body that is a deep array names no parameters at all: oidc-provider's own 400.
    const deepArray = await postToken({ 'content-type': 'application/json' }, '['.repeat(4000) + ']'.repeat(4000));
    expect(deepArray.status).toBe(400);
  });

  it('refuses POST /__control/tokens with claims nested 5,000 deep, and still mints at the depth it allows', async () => {
    const mint = (claims: string) => fetch(`${idp.httpUrl}/__control/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"user":"alice@example.com","claims":{"deep":${claims}}}` });
    const refused = await answer(await mint(nested(5000)));
    expect(refused).toEqual({ status: 400, body: { error: 'invalid_request', error_description: '"claims" nest deeper than 1000 levels; the sandbox mints tokens up to that depth.' } });
    expect((await mint(nested(998))).status).toBe(200);
  });

  it('refuses POST /__control/tokens fields of the wrong type with a 400 naming them', async () => {
    const response = await answer(await fetch(`${idp.httpUrl}/__control/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"user":{"toString":1},"claims":"abc"}' }));
    expect(response.status).toBe(400);
    expect(response.body.error_description).toMatch(/^Not a token request: user: .*; claims: /);
  });

  it('grants a Management API token whose scope claim is not a string nothing: 403, never a 500', async () => {
    const audience = `${idp.issuer}api/v2/`;
    for (const scope of [{ toString: 'read:users' }, ['read:users'], 7]) {
      const minted = (await (await fetch(`${idp.httpUrl}/__control/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_id: 'ci-runner', audience, claims: { scope } }) })).json()) as { access_token: string };
      const response = await answer(await fetch(`${idp.httpUrl}/api/v2/users`, { headers: { authorization: `Bearer ${minted.access_token}` } }));
      expect(response).toEqual({ status: 403, body: { statusCode: 403, error: 'Forbidden', message: 'Insufficient scope, expected any of: read:users', errorCode: 'insufficient_scope' } });
    }
  });

  it('answers Management API bodies it cannot read as Auth0 does, in the Management API shape', async () => {
    const token = (await idp.token({ grant_type: 'client_credentials', client_id: 'ci-runner', client_secret: 'ci-runner-secret', audience: `${idp.issuer}api/v2/` })).body.access_token!;
    const patch = (headers: Record<string, string>, body: string) => fetch(`${idp.httpUrl}/api/v2/roles/nobody`, { method: 'PATCH', headers: { authorization: `Bearer ${token}`, ...headers }, body });
    expect(await answer(await patch({ 'content-type': 'application/json', 'content-encoding': 'gzip' }, '{}'))).toEqual({
      status: 400, body: { statusCode: 400, error: 'Bad Request', message: 'Invalid compressed payload', errorCode: 'invalid_body' },
    });
    expect((await patch({ 'content-type': 'application/json; charset=bogus' }, '{"name":"x"}')).status).toBeLessThan(500);
    expect((await answer(await patch({ 'content-type': 'application/json' }, `{"name":"${'x'.repeat(200_000)}"}`))).body).toMatchObject({ statusCode: 413, errorCode: 'payload_too_large' });
  });

  it('answers a Management API path that is not valid %-encoding with 400, never a 500', async () => {
    const response = await answer(await fetch(`${idp.httpUrl}/api/v2/users/%E0%A4%A`));
    expect(response).toEqual({ status: 400, body: { statusCode: 400, error: 'Bad Request', message: 'The path /api/v2/users/%E0%A4%A is not valid URL encoding.', errorCode: 'invalid_uri' } });
  });

  it('has logged no failure of its own for any of the above', () => {
    expect(idp.logs.filter((line) => line.includes('failed'))).toEqual([]);
  });
});

describe("the sandbox clock's control refuses a move no date can hold", () => {
  let sandbox: StartedSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox(undefined, { stateDir: process.env.SANDBOX_TEST_STATE_DIR });
  });
  afterAll(() => sandbox.stop());

  it.each([1e308, -1e14])('answers advance_seconds %s with 400 and leaves the clock as it was', async (seconds) => {
    const clock = `${sandbox.idpUrl}/__control/clock`;
    const response = await fetch(clock, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance_seconds: seconds }) });
    expect([response.status, ((await response.json()) as { error_description: string }).error_description]).toEqual([400, '"advance_seconds" would move the clock past the dates JavaScript holds (years -271,821 to 275,760).']);
    const after = (await (await fetch(clock)).json()) as { ahead_seconds: number };
    expect(after.ahead_seconds).toBe(0);
  });
});
