import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { chatStatus } from '../support/sandbox-helpers.ts';
import { targetUnavailable, startTarget, TARGET_NAME, type Target } from './target.ts';

const unavailable = await targetUnavailable();
if (unavailable) console.warn(`[e2e] ${TARGET_NAME} target skipped: ${unavailable}`);

describe.skipIf(Boolean(unavailable))(`a role change reaches DIAL Core on the next refresh, as Chat refreshes (${TARGET_NAME} target)${unavailable ? ` — skipped: ${unavailable}` : ''}`, () => {
  let target: Target;
  beforeAll(async () => {
    target = await startTarget({ changesState: true });
  }, 300_000);
  afterAll(() => target?.stop());

  const post = async <T>(path: string, body: Record<string, unknown>, token?: string, method = 'POST'): Promise<T> => {
    const response = await fetch(`${target.idpUrl}${path}`, { method, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return (response.status === 204 ? undefined : await response.json()) as T;
  };
  const grant = (body: Record<string, string>) => post<{ access_token: string; refresh_token: string }>('/oauth/token', { client_id: 'dial-chat', client_secret: 'dial-chat-secret', ...body });
  const callWith = (token: string) => chatStatus(target.coreUrl, token);

  it('gives bob access once an admin assigns the role through the Management API, and takes it away once it is removed', async () => {
    // As an admin script would: a Management API token for the CI client, then bob and the tutorial's role.
    const { access_token: admin } = await post<{ access_token: string }>('/oauth/token', { grant_type: 'client_credentials', client_id: 'ci-runner', client_secret: 'ci-runner-secret', audience: `${target.issuer}api/v2/` });
    const get = async <T>(path: string) => (await fetch(`${target.idpUrl}/api/v2${path}`, { headers: { authorization: `Bearer ${admin}` } })).json() as Promise<T>;
    const [bob] = await get<{ user_id: string }[]>('/users-by-email?email=bob%40example.com');
    const [role] = await get<{ id: string }[]>('/roles?name_filter=auth0-role-name');
    const rolesOfBob = `/api/v2/users/${encodeURIComponent(bob!.user_id)}/roles`;

    const first = await grant({ grant_type: 'password', username: 'bob@example.com', password: 'bob', audience: 'dial-api', scope: 'openid offline_access' });
    expect(await callWith(first.access_token)).toBe(403);

    await post(rolesOfBob, { roles: [role!.id] }, admin);
    try {
      const granted = await grant({ grant_type: 'refresh_token', refresh_token: first.refresh_token });
      expect(await callWith(granted.access_token)).toBe(200);
    } finally {
      await post(rolesOfBob, { roles: [role!.id] }, admin, 'DELETE');
    }
    const revoked = await grant({ grant_type: 'refresh_token', refresh_token: first.refresh_token });
    expect(await callWith(revoked.access_token)).toBe(403);
  });
});
