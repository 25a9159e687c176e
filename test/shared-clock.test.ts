import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ManualClock, SandboxClock, startSandbox, type StartedSandbox } from '../sandbox/index.ts';
import { chatStatus } from './support/sandbox-helpers.ts';

// One clock for the IdP and mock-core: tokens carry its time, Core checks exp/nbf and ages its JWK cache by
// it, so expiry is tested without sleeping (Core checks exp with no leeway:
// docs/dial-core.md#jwt-verification).

describe('the shared sandbox clock', () => {
  let sandbox: StartedSandbox;
  // Stands for the system clock under the sandbox's: the "system" time passes when the test says so.
  const system = new ManualClock(Date.now());
  beforeAll(async () => {
    sandbox = await startSandbox(undefined, { stateDir: process.env.SANDBOX_TEST_STATE_DIR, clock: new SandboxClock(system) });
  });
  afterAll(() => sandbox.stop());

  const clockControl = (method: string, body?: object) =>
    fetch(`${sandbox.idpUrl}/__control/clock`, { method, headers: { 'content-type': 'application/json' }, body: body && JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
  const callCore = (token: string) => chatStatus(sandbox.coreUrl!, token, 'gpt-4');

  it('is a SandboxClock running with the system clock unless moved', async () => {
    await using own = await startSandbox(undefined, { stateDir: process.env.SANDBOX_TEST_STATE_DIR });
    expect(own.clock).toBeInstanceOf(SandboxClock);
    expect(await (await fetch(`${own.idpUrl}/__control/clock`)).json()).toMatchObject({ frozen: false, ahead_seconds: 0 });
    expect((await clockControl('GET')).body).toMatchObject({ frozen: false, ahead_seconds: 0 });
  });

  it('advanced past a token\'s lifetime: Core refuses the token; a token issued now carries the new time and passes', async () => {
    const issued = await sandbox.token('alice@example.com');
    expect(await callCore(issued)).toBe(200);
    const lifetime = (decodeJwt(issued).exp as number) - (decodeJwt(issued).iat as number);
    try {
      expect((await clockControl('PUT', { advance_seconds: lifetime + 1 })).body).toMatchObject({ frozen: false, ahead_seconds: lifetime + 1 });
      expect(await callCore(issued)).toBe(401);
      const fresh = await sandbox.token('alice@example.com');
      expect((decodeJwt(fresh).iat as number) - (decodeJwt(issued).iat as number)).toBeGreaterThanOrEqual(lifetime + 1);
      expect(await callCore(fresh)).toBe(200);
      // Minted tokens and Management API checks read the same clock.
      const minted = (await (await fetch(`${sandbox.idpUrl}/__control/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"user":"alice@example.com"}' })).json()) as { access_token: string };
      expect(decodeJwt(minted.access_token).iat).toBe(decodeJwt(fresh).iat);
    } finally {
      expect((await clockControl('DELETE')).body).toMatchObject({ frozen: false, ahead_seconds: 0 });
    }
    expect(await callCore(issued)).toBe(200);
  });

  it('frozen: every token carries the same iat until it moves', async () => {
    try {
      await clockControl('PUT', { freeze: true });
      const first = decodeJwt(await sandbox.token('alice@example.com')).iat;
      system.advance(5_000);
      expect(decodeJwt(await sandbox.token('alice@example.com')).iat).toBe(first);
      expect((await clockControl('GET')).body).toMatchObject({ frozen: true, ahead_seconds: -5 });
      expect((await clockControl('PUT', { advance_seconds: 30 })).body).toMatchObject({ frozen: true });
      expect(decodeJwt(await sandbox.token('alice@example.com')).iat).toBe((first as number) + 30);
      expect((await clockControl('PUT', { advance_seconds: 'soon' })).status).toBe(400);
    } finally {
      await clockControl('DELETE');
    }
  });
});
