import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { browserUnavailable, launchTrustingChromium, type TrustingBrowser } from '../support/chromium.ts';
import { COMPOSE_TARGET, startTarget, TARGET_NAME, type Target } from './target.ts';

const CALLBACK_PATH = '/api/auth/callback/auth0';
const unavailable = browserUnavailable()
  ?? (COMPOSE_TARGET ? 'on a compose target the callback is the real DIAL Chat, which exchanges the code itself'
  : TARGET_NAME === 'external' ? 'an external IdP has no Allowed Callback URL for the test\'s own app on a free port' : undefined);
if (unavailable) console.warn(`[e2e] browser test skipped: ${unavailable}`);

describe.skipIf(Boolean(unavailable))(`a browser logs in (${TARGET_NAME} target)${unavailable ? ` — skipped: ${unavailable}` : ''}`, () => {
  let target: Target;
  let browser: TrustingBrowser;
  // The app the login returns to (DIAL Chat's callback path), on a free port: what it was called with.
  let app: http.Server;
  let callbackUrl: string;
  const callbacks: URL[] = [];
  beforeAll(async () => {
    app = http.createServer((req, res) => {
      const url = new URL(req.url!, callbackUrl);
      if (url.pathname !== CALLBACK_PATH) return void res.writeHead(404).end(); // the browser's /favicon.ico
      callbacks.push(url);
      res.writeHead(200, { 'content-type': 'text/html' }).end('<p>DIAL Chat would take it from here.</p>');
    });
    await once(app.listen(0, '127.0.0.1'), 'listening');
    callbackUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}${CALLBACK_PATH}`;
    target = await startTarget({ allowCallback: callbackUrl });
    browser = await launchTrustingChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await target?.stop();
    app?.closeAllConnections();
    await new Promise((done) => app?.close(done));
  });

  it('opens /authorize for dial-chat, picks alice on the login page, lands on the callback with a code, and the token opens the model in Core', async () => {
    const verifier = client.randomPKCECodeVerifier();
    const discovery = (await (await fetch(`${target.idpUrl}/.well-known/openid-configuration`)).json()) as { authorization_endpoint: string };
    const authorize = new URL(discovery.authorization_endpoint);
    authorize.search = new URLSearchParams({
      response_type: 'code', client_id: 'dial-chat', redirect_uri: callbackUrl, scope: 'openid profile', audience: 'dial-api', state: 'from-the-browser',
      code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    }).toString();

    // It trusts the sandbox CA as a user's browser does after `dial-sandbox trust`.
    const context = await browser.browser.newContext();
    const page = await context.newPage();
    await page.goto(authorize.href);
    expect(await page.locator('h1').textContent()).toBe('Log in');
    await page.getByRole('button', { name: /Alice <alice@example\.com>/ }).click();
    await page.waitForURL((url) => url.href.startsWith(callbackUrl));
    expect(await page.locator('p').textContent()).toBe('DIAL Chat would take it from here.');
    await context.close();

    expect(callbacks).toHaveLength(1);
    const callback = callbacks[0]!;
    expect(callback.searchParams.get('state')).toBe('from-the-browser');
    const tokens = (await (await fetch(`${target.idpUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'authorization_code', client_id: 'dial-chat', client_secret: 'dial-chat-secret', code: callback.searchParams.get('code'), redirect_uri: callbackUrl, code_verifier: verifier }),
    })).json()) as { access_token: string };
    const answer = await fetch(`${target.coreUrl}/openai/deployments/chat-gpt-35-turbo/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'from the browser' }] }),
    });
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content).toBe('from the browser');
  });
});
