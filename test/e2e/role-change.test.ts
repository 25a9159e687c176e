import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { chatStatus } from '../support/sandbox-helpers.ts';
import { composeUnavailable, startTarget, TARGET_NAME, type Target } from './target.ts';

const unavailable = (await composeUnavailable()) ?? (TARGET_NAME === 'compose' ? 'changing roles on a running compose IdP needs the Management API (issue 6)' : undefined);
if (unavailable) console.warn(`[e2e] ${TARGET_NAME} target skipped: ${unavailable}`);

describe.skipIf(Boolean(unavailable))(`a role change reaches DIAL Core on the next refresh, as Chat refreshes (${TARGET_NAME} target)${unavailable ? ` — skipped: ${unavailable}` : ''}`, () => {
  let target: Target;
  beforeAll(async () => {
    target = await startTarget();
  }, 300_000);
  afterAll(() => target?.stop());

  const grant = (body: Record<string, string>) =>
    fetch(`${target.idpUrl}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_id: 'dial-chat', client_secret: 'dial-chat-secret', ...body }) })
      .then((r) => r.json() as Promise<{ access_token: string; refresh_token: string }>);
  const callWith = (token: string) => chatStatus(target.coreUrl!, token);

  it('gives bob access once the role is assigned, and takes it away once it is removed', async () => {
    const bob = target.embedded!.idp.accounts.byEmail('bob@example.com')!;
    const first = await grant({ grant_type: 'password', username: bob.email, password: bob.password, audience: 'dial-api', scope: 'openid offline_access' });
    expect(await callWith(first.access_token)).toBe(403);

    bob.roles.push('auth0-role-name');
    const granted = await grant({ grant_type: 'refresh_token', refresh_token: first.refresh_token });
    expect(await callWith(granted.access_token)).toBe(200);

    bob.roles.splice(bob.roles.indexOf('auth0-role-name'), 1);
    const revoked = await grant({ grant_type: 'refresh_token', refresh_token: first.refresh_token });
    expect(await callWith(revoked.access_token)).toBe(403);
  });
});
