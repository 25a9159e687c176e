import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Models } from '../mock-models/models.ts';
import { call, startCoreWith } from './support/core-alone.ts';
import { fixtureAction, tenantWithActions } from './support/actions.ts';
import { alice, dialChat, startTestIdp, type TestIdp } from './support/idp.ts';
import { startTestModels, TUTORIAL_KEY } from './support/models.ts';

const MiB = 1024 * 1024;

describe('request logs stay bounded by size, and readable whatever they hold', () => {
  let idp: TestIdp;
  let models: Models;
  beforeAll(async () => {
    // Its Action puts 5 MB into every access token: the answers are ~7 MB each.
    [idp, models] = await Promise.all([startTestIdp({ tenant: tenantWithActions([fixtureAction('big-claim')]) }), startTestModels()]);
  });
  afterAll(() => Promise.all([idp.stop(), models.stop()]));

  it('keeps 20 logins with a 5 MB claim in well under 8 MiB, each entry saying its answer was cut', async () => {
    for (let i = 0; i < 20; i++) {
      const { status, body } = await idp.token({ grant_type: 'password', ...dialChat, ...alice, audience: 'dial-api' });
      expect([status, body.access_token!.length > 5 * MiB]).toEqual([200, true]);
    }
    expect(idp.requestLog.bytes).toBeLessThan(MiB);
    const entries = (await (await fetch(`${idp.httpUrl}/__control/log`)).json()) as Record<string, unknown>[];
    expect(entries).toHaveLength(20);
    expect(entries[19]).toMatchObject({ status: 200, user: alice.username, cut: expect.stringMatching(/^the answer \(\d+ bytes\) is not kept: the log keeps entries up to 262144 bytes$/) });
  });

  it("keeps a model's recorded requests under 8 MiB, bodies over 1 MiB cut to their first MiB", async () => {
    const prompt = 'y'.repeat(1.5 * MiB);
    for (let i = 0; i < 12; i++) {
      const response = await fetch(`${models.url}/v1/openai/deployments/gpt-35-turbo/chat/completions`, {
        method: 'POST', headers: { 'content-type': 'application/json', 'x-upstream-key': TUTORIAL_KEY }, body: JSON.stringify({ messages: [{ role: 'user', content: prompt }] }),
      });
      expect(response.status).toBe(200);
    }
    const recorded = models.requests('gpt-35-turbo');
    expect(recorded.length).toBeGreaterThan(0);
    expect(recorded.length).toBeLessThan(8);
    expect(recorded.at(-1)).toMatchObject({ body: expect.stringMatching(/^\{"messages"/), cut: `the body (${JSON.stringify({ messages: [{ role: 'user', content: prompt }] }).length} bytes) is cut to its first ${MiB}` });
    expect((recorded.at(-1)!.body as string).length).toBe(MiB);
  });

  it("shows a token's claims in mock-core's log cut at 100 levels (Core's 8 KiB header limit allows ~900)", async () => {
    const core = await startCoreWith({ identityProviders: { test: { jwksUrl: 'http://127.0.0.1:1/jwks.json', rolePath: 'roles' } } }, {});
    try {
      const claims = Buffer.from('{"a":'.repeat(900) + '1' + '}'.repeat(900)).toString('base64url');
      expect((await call(`${core.url}/openai/models`, { headers: { authorization: `Bearer eyJhbGciOiJSUzI1NiIsImtpZCI6ImsifQ.${claims}.c2ln` } })).status).toBe(401);
      const log = await call(`${core.url}/__control/log`);
      expect(log.status).toBe(200);
      const [entry] = JSON.parse(log.body) as { status: number; token: { claims: unknown } }[];
      expect(entry!.status).toBe(401);
      let level = entry!.token.claims as Record<string, unknown>;
      for (let depth = 1; depth < 100; depth++) level = level.a as Record<string, unknown>;
      expect(level).toEqual({ a: '(nested deeper: cut)' });
    } finally {
      await core.stop();
    }
  });
});
