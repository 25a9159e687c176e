import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ManualClock } from '../common/clock.ts';
import { SCENARIOS } from '../mock-idp/scenarios/catalog.ts';
import { startSandbox, type StartedSandbox } from '../sandbox/index.ts';

// What DIAL Core does with each: docs/auth0.md#fault-scenarios, docs/dial-core.md#provider-choice,
// docs/dial-core.md#jwt-verification, docs/dial-core.md#jwks-cache.
const STATE = process.env.SANDBOX_TEST_STATE_DIR;

async function sandboxWithClock() {
  // Core's clock runs a little ahead of the IdP's, so fresh tokens are never "from the future".
  const clock = new ManualClock(Date.now() + 5_000);
  return { clock, sandbox: await startSandbox(undefined, { stateDir: STATE, clock }) };
}

const scenario = (sandbox: StartedSandbox, name: string | null, forSeconds?: number) =>
  fetch(`${sandbox.idpUrl}/__control/scenario`, name
    ? { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, for_seconds: forSeconds }) }
    : { method: 'DELETE' }).then((r) => r.json());

const callCore = (sandbox: StartedSandbox, token: string) =>
  fetch(`${sandbox.coreUrl}/openai/deployments/chat-gpt-35-turbo/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
  }).then(async (r) => ({ status: r.status, body: await r.text() }));

describe('named fault scenarios: spoiled access tokens, and what DIAL Core does with each', () => {
  let sandbox: StartedSandbox;
  let clock: ManualClock;
  beforeAll(async () => {
    ({ sandbox, clock } = await sandboxWithClock());
  });
  afterAll(() => sandbox.stop());

  it.each([
    ['token-unpublished-key', 401, 'docs/dial-core.md#jwt-verification: the signature does not verify with the published key of that kid'],
    ['token-issuer-no-slash', 200, 'docs/dial-core.md#provider-choice: with one provider Core checks no issuer (with several, issuerPattern decides)'],
    ['token-alg-hs256', 401, 'docs/dial-core.md#jwt-verification: RS256 only'],
    ['token-alg-none', 401, 'docs/dial-core.md#jwt-verification: RS256 only'],
    ['token-unknown-kid', 401, 'docs/dial-core.md#jwks-cache: a JWKS refetch finds no such kid'],
    ['token-wrong-aud', 200, 'docs/dial-core.md#jwt-verification: aud is checked only when the provider names an audience'],
    ['token-expired', 401, 'docs/dial-core.md#jwt-verification: exp with no leeway'],
    ['token-nbf-future', 401, 'docs/dial-core.md#jwt-verification: nbf with no leeway'],
  ])('%s → Core answers %i (%s)', async (name, status) => {
    await scenario(sandbox, name);
    try {
      const token = await sandbox.token('alice@example.com');
      expect((await callCore(sandbox, token)).status).toBe(status);
    } finally {
      await scenario(sandbox, null);
    }
    // The IdP is itself again once the scenario is off.
    expect((await callCore(sandbox, await sandbox.token('alice@example.com'))).status).toBe(200);
  });

  it('token-429, token-500 and token-latency at /oauth/token; discovery-503 stops an OIDC client at discovery', async () => {
    try {
      await scenario(sandbox, 'token-429');
      await expect(sandbox.token('alice@example.com')).rejects.toThrow(/429 too_many_attempts/);
      await scenario(sandbox, 'token-500');
      await expect(sandbox.token('alice@example.com')).rejects.toThrow(/500 server_error/);
      await scenario(sandbox, 'token-latency');
      const late = sandbox.token('alice@example.com');
      await clock.whenTimers(); // the token request is held on the sandbox clock
      clock.advance(1_499);
      expect(clock.pendingTimers).toBe(1);
      clock.advance(1);
      await late;
      await scenario(sandbox, 'discovery-503');
      await expect(client.discovery(new URL(sandbox.issuer), 'dial-chat', 'dial-chat-secret')).rejects.toMatchObject({ cause: { status: 503 } });
    } finally {
      await scenario(sandbox, null);
    }
  });

  it('spoils minted tokens too', async () => {
    await scenario(sandbox, 'token-alg-none');
    const minted = (await (await fetch(`${sandbox.idpUrl}/__control/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"user":"alice@example.com"}' })).json()) as { access_token: string };
    await scenario(sandbox, null);
    expect(minted.access_token.endsWith('.')).toBe(true);
  });

  it('lists every scenario with the bug it reproduces, and ends one by itself after for_seconds', async () => {
    const listed = (await (await fetch(`${sandbox.idpUrl}/__control/scenarios`)).json()) as { scenarios: { name: string; description: string }[] };
    expect(listed.scenarios.map((s) => s.name)).toEqual(Object.keys(SCENARIOS));
    await scenario(sandbox, 'token-500', 0.2);
    clock.advance(199);
    expect(sandbox.idp.scenario.current).toBe('token-500');
    clock.advance(1);
    expect(await (await fetch(`${sandbox.idpUrl}/__control/scenario`)).json()).toEqual({ active: null });
    expect((await fetch(`${sandbox.idpUrl}/__control/scenario`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"name":"nope"}' })).status).toBe(400);
  });
});

describe('named fault scenarios: the JWKS and the token endpoint', () => {
  it.each(['jwks-503', 'jwks-empty', 'jwks-malformed'])('%s: Core answers 401, keeps failing for the negative lifetime (10 s), then recovers', async (name) => {
    const { sandbox, clock } = await sandboxWithClock();
    try {
      const token = await sandbox.token('alice@example.com');
      await scenario(sandbox, name);
      expect(await callCore(sandbox, token)).toEqual({ status: 401, body: 'Bad Authorization header' });
      await scenario(sandbox, null);
      expect((await callCore(sandbox, token)).status).toBe(401); // docs/dial-core.md#jwks-cache: the failure is cached per kid
      clock.advance(10_001);
      expect((await callCore(sandbox, token)).status).toBe(200);
      // Now the key is cached (10 min): an outage goes unnoticed by tokens of that kid.
      await scenario(sandbox, name);
      expect((await callCore(sandbox, token)).status).toBe(200);
    } finally {
      await sandbox.stop();
    }
  });

  it('jwks-timeout: Core waits for the JWKS without a timeout, so the call hangs; when the JWKS fails, Core answers 401', async () => {
    const { sandbox, clock } = await sandboxWithClock();
    try {
      const token = await sandbox.token('alice@example.com');
      await scenario(sandbox, 'jwks-timeout');
      let answered = false;
      const hanging = callCore(sandbox, token).finally(() => (answered = true));
      await clock.whenTimers(); // Core's JWKS request is held, and Core, with no timeout of its own, waits
      expect(answered).toBe(false);
      await scenario(sandbox, null); // the held JWKS request now fails with 503
      expect(await hanging).toEqual({ status: 401, body: 'Bad Authorization header' });
      expect(clock.pendingTimers).toBe(0);
    } finally {
      await sandbox.stop();
    }
  });

  it('jwks-slow: the first call with a new kid waits for the JWKS (5 s), then succeeds', async () => {
    const { sandbox, clock } = await sandboxWithClock();
    try {
      const token = await sandbox.token('alice@example.com');
      await scenario(sandbox, 'jwks-slow');
      const slow = callCore(sandbox, token);
      await clock.whenTimers(); // Core's JWKS request is held
      clock.advance(4_999);
      expect(clock.pendingTimers).toBe(1);
      clock.advance(1);
      expect((await slow).status).toBe(200);
    } finally {
      await sandbox.stop();
    }
  });
});
