import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { TenantClient } from '../mock-idp/tenant.ts';
import { loginThroughBrowser } from './support/browser.ts';
import { alice, startTestIdp, tutorialTenant, type TestIdp } from './support/idp.ts';

const APP = 'http://localhost:5000';
const spa: TenantClient = {
  name: 'SPA', client_id: 'spa', app_type: 'spa', callbacks: [`${APP}/`], allowed_logout_urls: [APP], web_origins: [APP],
  grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'none', id_token_lifetime: 36_000, refresh_token_rotation: false,
};

describe('mock-idp response_mode=web_message (silent login in an iframe, login in a popup)', () => {
  let idp: TestIdp;
  beforeAll(async () => {
    idp = await startTestIdp({ tenant: tutorialTenant((t) => t.clients.push(spa, { ...spa, client_id: 'spa-without-origins', web_origins: [] })) });
  });
  afterAll(() => idp.stop());

  const verifier = client.randomPKCECodeVerifier();
  async function authorize(extra: Record<string, string>, cookie = '') {
    const url = new URL(`${idp.issuer}authorize`);
    url.search = new URLSearchParams({
      response_type: 'code', client_id: 'spa', redirect_uri: `${APP}/`, scope: 'openid profile offline_access', audience: 'dial-api', state: 'the-state',
      response_mode: 'web_message', prompt: 'none', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', ...extra,
    }).toString();
    const response = await fetch(url, { redirect: 'manual', headers: { cookie } });
    return { response, html: await response.text() };
  }
  /** What the page posts, and to which origin. */
  function posted(html: string): { targetOrigin: string; message: { type: string; response: Record<string, string> } } {
    const literal = (name: string) => JSON.parse(new RegExp(`var ${name} = (.*);`).exec(html)![1]!);
    expect(html).toContain('mainWin.postMessage(authorizationResponse, targetOrigin)');
    return { targetOrigin: literal('targetOrigin'), message: literal('authorizationResponse') };
  }

  it('posts Auth0\'s login_required, with the state, to the application\'s origin when there is no session; the page may be framed', async () => {
    const { response, html } = await authorize({});
    expect(response.status).toBe(200);
    expect(response.headers.get('x-frame-options')).toBeNull();
    expect(posted(html)).toEqual({ targetOrigin: APP, message: { type: 'authorization_response', response: { error: 'login_required', error_description: 'Login required', state: 'the-state', iss: idp.issuer } } });
  });

  it('posts a code for the browser\'s session, which the application exchanges with its PKCE verifier', async () => {
    const cookies = new Map<string, string>();
    const login = new URL(`${idp.issuer}authorize`);
    login.search = new URLSearchParams({ response_type: 'code', client_id: 'spa', redirect_uri: `${APP}/`, scope: 'openid' }).toString();
    await loginThroughBrowser(login, { email: alice.username, password: alice.password }, `${APP}/`, cookies);

    const { html } = await authorize({}, [...cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const { targetOrigin, message } = posted(html);
    expect(targetOrigin).toBe(APP);
    expect(message.response).toMatchObject({ code: expect.any(String), state: 'the-state' });
    const tokens = await idp.token({ grant_type: 'authorization_code', client_id: 'spa', code: message.response.code, redirect_uri: `${APP}/`, code_verifier: verifier });
    expect(tokens.status).toBe(200);
    expect((await idp.verify(tokens.body.access_token!, 'dial-api')).sub).toBe(idp.accounts.byEmail(alice.username)!.user_id);
  });

  it('posts nothing, and shows Auth0\'s error page, when the redirect_uri\'s origin is not among the Allowed Web Origins', async () => {
    const { response, html } = await authorize({ client_id: 'spa-without-origins' });
    expect(response.status).toBe(400);
    expect(html).toContain(`The specified redirect_uri &#39;${APP}/&#39; does not have a registered origin.`);
    expect(html).not.toContain('postMessage');
  });
});
