/**
 * The profile's `picture` (docs/auth0.md#user-picture): Auth0's points at Gravatar, which an offline browser
 * cannot reach; the sandbox's points at the IdP's own origin, and the IdP answers it with an SVG.
 */
import { createHash } from 'node:crypto';

import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Action } from '../mock-idp/tenant.ts';
import { tenantWithActions } from './support/actions.ts';
import { loginThroughBrowser } from './support/browser.ts';
import { alice, bob, ciRunner, dialChat, decodeJwt, getJson, startTestIdp, tutorialTenant, type TestIdp } from './support/idp.ts';

const CALLBACK = 'http://localhost:3000/api/auth/callback/auth0';
const md5 = (email: string) => createHash('md5').update(email).digest('hex');
/** Shows the Action's `event.user` in the access token, as `event_user`. */
const showsEventUser: Action = {
  name: 'shows event.user', file: 'inline', secrets: {}, dependencies: [],
  code: "exports.onExecutePostLogin = async (event, api) => { api.accessToken.setCustomClaim('event_user', event.user); };",
};

/** Every string in a profile that is a URL, with the field it is in. */
function urlsIn(profile: Record<string, unknown>): [field: string, url: URL][] {
  return Object.entries(profile).flatMap(([field, value]) => {
    if (typeof value !== 'string' || !URL.canParse(value)) return [];
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? [[field, url] as [string, URL]] : [];
  });
}

describe("the profile's picture", () => {
  let idp: TestIdp;
  let origin: string;
  beforeAll(async () => {
    idp = await startTestIdp({ tenant: tenantWithActions([showsEventUser]) });
    origin = new URL(idp.issuer).origin;
  });
  afterAll(() => idp.stop());

  async function passwordLogin(user: { username: string; password: string }) {
    const { body } = await idp.token({ grant_type: 'password', ...dialChat, ...user, audience: 'dial-api', scope: 'openid profile email' });
    return { id: await idp.verify(body.id_token!, 'dial-chat'), access: body.access_token! };
  }

  it('is an https URL on the IdP\'s own origin, in the ID token and at /userinfo alike', async () => {
    const { id, access } = await passwordLogin(alice);
    expect(id.picture).toBe(`${origin}/avatar/${md5('alice@example.com')}.svg`);
    expect(new URL(String(id.picture)).protocol).toBe('https:');
    const userinfo = await getJson(`${idp.httpsUrl}/userinfo`, { headers: { authorization: `Bearer ${access}` } });
    expect(userinfo.picture).toBe(id.picture);
  });

  it('is the same in the ID token of a browser login, which reads the profile through oidc-provider', async () => {
    const config = await client.discovery(new URL(idp.issuer), dialChat.client_id, dialChat.client_secret);
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK, scope: 'openid email profile', audience: 'dial-api', state,
      code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    });
    const landing = await loginThroughBrowser(url, { email: bob.username, password: bob.password }, CALLBACK);
    const tokens = await client.authorizationCodeGrant(config, landing.url, { pkceCodeVerifier: verifier, expectedState: state });
    expect(tokens.claims()?.picture).toBe(`${origin}/avatar/${md5('bob@example.com')}.svg`);
  });

  it('answers, fetched as a browser would (over HTTPS, at the issuer\'s host), an SVG of the initials with a cache header', async () => {
    const { id } = await passwordLogin(alice);
    const answer = await fetch(String(id.picture));
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(answer.headers.get('cache-control')).toBe('public, max-age=3600');
    expect(answer.headers.get('content-security-policy')).toBe("default-src 'none'");
    const svg = await answer.text();
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]*>.*<\/svg>$/);
    expect(svg).toContain('>AL</text>');
    // Nothing in it loads anything: no link to another document, no script.
    expect(svg).not.toMatch(/href|<script|url\(/i);
    expect((await (await fetch(`${idp.httpUrl}/avatar/${md5('bob@example.com')}.svg`)).text())).toContain('>BO</text>');
  });

  it('answers an email no user has with a neutral picture, and other names of the folder as paths it does not serve', async () => {
    const unknown = await fetch(`${idp.httpUrl}/avatar/${md5('nobody@example.com')}.svg`);
    expect(unknown.status).toBe(200);
    expect(await unknown.text()).toContain('>?</text>');
    const png = await fetch(`${idp.httpUrl}/avatar/${md5('alice@example.com')}.png`);
    expect(png.status).toBe(404);
    expect(((await png.json()) as { error_description: string }).error_description).toContain('mock-idp does not serve GET /avatar/');
  });

  it('names no host off the machine in any profile field: ID token, /userinfo, Management API, Actions\' event.user', async () => {
    const { id, access } = await passwordLogin(bob);
    const userinfo = await getJson(`${idp.httpsUrl}/userinfo`, { headers: { authorization: `Bearer ${access}` } });
    const minted = await fetch(`${idp.httpUrl}/__control/tokens`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: ciRunner.client_id, audience: `${idp.issuer}api/v2/`, scope: 'read:users' }),
    });
    const management = ((await minted.json()) as { access_token: string }).access_token;
    const users = await getJson(`${idp.httpUrl}/api/v2/users`, { headers: { authorization: `Bearer ${management}` } });
    const eventUser = decodeJwt(access).event_user as Record<string, unknown>;
    const profiles = [id, userinfo, eventUser, ...(users as Record<string, unknown>[])];
    expect(profiles).toHaveLength(5);
    const offMachine = profiles.flatMap((profile) => urlsIn(profile as Record<string, unknown>))
      .filter(([, url]) => !['localhost', '127.0.0.1', '[::1]'].includes(url.hostname))
      .map(([field, url]) => `${field}: ${url.href}`);
    expect(offMachine).toEqual([]);
    // The check finds the pictures it is about (and would find a Gravatar URL).
    expect(profiles.every((profile) => urlsIn(profile as Record<string, unknown>).some(([field]) => field === 'picture'))).toBe(true);
  });

  it('is the user\'s own when tenant.yaml gives one', async () => {
    const own = await startTestIdp({ tenant: tutorialTenant((t) => { t.users[0]!.picture = 'https://localhost/alice.png'; }) });
    try {
      const { body } = await own.token({ grant_type: 'password', ...dialChat, ...alice, audience: 'dial-api', scope: 'openid profile' });
      expect((await own.verify(body.id_token!, 'dial-chat')).picture).toBe('https://localhost/alice.png');
    } finally {
      await own.stop();
    }
  });
});
