import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadOrCreateTls } from '../../mock-idp/tls.ts';
import type { TenantClient } from '../../mock-idp/tenant.ts';
import { browserUnavailable, launchTrustingChromium, type TrustingBrowser } from '../support/chromium.ts';
import { startTestIdp, tutorialTenant, type TestIdp } from '../support/idp.ts';

// The browser SDKs, unmodified, served as their own bundles (no build step) to Debian's chromium, which
// trusts the sandbox CA as after `dial-sandbox trust`. The app is on https://localhost, the IdP's site, as an
// SPA must be for a silent login in an iframe (Chromium sends no cookie to a third-party iframe); a second
// copy on http://127.0.0.1, another site, shows what an SPA there gets instead.
const unavailable = browserUnavailable();
if (unavailable) console.warn(`[sdk-matrix] browser SDKs skipped: ${unavailable}`);

const bundle = (specifier: string) => readFileSync(fileURLToPath(import.meta.resolve(specifier)));
const BUNDLES = {
  '/auth0-spa-js.js': bundle('@auth0/auth0-spa-js/dist/auth0-spa-js.production.js'),
  // oidc-client-ts's exports map names no browser build; it sits beside the one it names.
  '/oidc-client-ts.js': readFileSync(new URL('../browser/oidc-client-ts.min.js', import.meta.resolve('oidc-client-ts'))),
};

interface LogEntry {
  grant_type?: string;
  client_id?: string;
  status: number;
}

describe.skipIf(Boolean(unavailable))(`browser SDKs against mock-idp${unavailable ? ` — skipped: ${unavailable}` : ''}`, () => {
  let idp: TestIdp;
  let browser: TrustingBrowser;
  /** The SPA on the IdP's site, and the same SPA on another site. */
  let app: string;
  let crossSite: string;
  const servers: http.Server[] = [];

  beforeAll(async () => {
    const tls = loadOrCreateTls(process.env.SANDBOX_TEST_STATE_DIR!, []);
    const pages = new Map<string, string>();
    const serve: http.RequestListener = (req, res) => {
      const path = new URL(req.url!, 'http://app').pathname;
      const script = BUNDLES[path as keyof typeof BUNDLES];
      if (script) return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
      const page = pages.get(`${req.headers.host}${path}`);
      if (!page) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
    };
    const secure = https.createServer({ cert: tls.certPem, key: tls.keyPem }, serve);
    const plain = http.createServer(serve);
    for (const server of [secure, plain]) {
      servers.push(server);
      await once(server.listen(0, '127.0.0.1'), 'listening');
    }
    app = `https://localhost:${(secure.address() as AddressInfo).port}`;
    crossSite = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;

    const spa: TenantClient = {
      name: 'SPA', client_id: 'spa', app_type: 'spa', token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'],
      callbacks: [`${app}/spa/iframe/`, `${app}/spa/refresh/`, `${app}/oidc/`, `${crossSite}/spa/iframe/`],
      allowed_logout_urls: [`${app}/spa/iframe/`, `${app}/oidc/`], web_origins: [app, crossSite], id_token_lifetime: 36_000, refresh_token_rotation: false,
    };
    idp = await startTestIdp({ tenant: tutorialTenant((t) => t.clients.push(spa)) });
    const domain = new URL(idp.issuer).host;
    for (const origin of [app, crossSite]) {
      for (const mode of ['iframe', 'refresh'] as const) pages.set(`${new URL(origin).host}/spa/${mode}/`, auth0SpaPage(domain, `${origin}/spa/${mode}/`, mode));
    }
    pages.set(`${new URL(app).host}/oidc/`, oidcClientPage(idp.issuer, `${app}/oidc/`));
    browser = await launchTrustingChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await idp?.stop();
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
    }
  });

  /** A fresh browser profile's tab (no IdP session, no stored tokens). */
  async function newTab(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.browser.newContext();
    return { context, page: await context.newPage() };
  }

  /** Starts the SDK's login redirect (`start`, evaluated without waiting: the page navigates away), picks alice, and waits for the app again. */
  async function logInAsAlice(page: Page, start: string, backAt: string): Promise<void> {
    await page.evaluate(`void ${start}`);
    await page.getByRole('button', { name: /Alice <alice@example\.com>/ }).click();
    await page.waitForURL((url) => url.href.startsWith(backAt));
    await page.evaluate('window.ready');
  }

  /** Runs `script` (which navigates away), and waits until the tab has loaded `to` again. */
  async function navigatesBack(page: Page, script: string, to: string): Promise<void> {
    const committed = page.waitForEvent('framenavigated', (frame) => frame === page.mainFrame() && frame.url().startsWith(to));
    await page.evaluate(`void ${script}`);
    await committed;
    await page.waitForLoadState('load');
    await page.evaluate('window.ready');
  }

  const grants = async (type: string) =>
    ((await (await fetch(`${idp.httpsUrl}/__control/log`)).json()) as LogEntry[]).filter((e) => e.grant_type === type && e.client_id === 'spa' && e.status === 200).length;
  const dialRoles = async (token: unknown) => (await idp.verify(String(token), 'dial-api')).dial_roles;

  it('auth0-spa-js, default mode: logs in with a redirect, and after a reload gets a token silently in an iframe (web_message) from the IdP session', async () => {
    const { context, page } = await newTab();
    const at = `${app}/spa/iframe/`;
    await page.goto(at);
    await page.evaluate('window.ready');
    await logInAsAlice(page, 'client.loginWithRedirect()', at);
    expect(await dialRoles(await page.evaluate('client.getTokenSilently()'))).toEqual(['auth0-role-name']);

    // A reload empties the SDK's memory cache: only the IdP's session, reached in a hidden iframe, gives a token.
    const exchanged = await grants('authorization_code');
    await page.reload();
    await page.evaluate('window.ready');
    expect(await dialRoles(await page.evaluate('client.getTokenSilently()'))).toEqual(['auth0-role-name']);
    expect(await page.evaluate('client.isAuthenticated()')).toBe(true);
    expect(await page.evaluate('client.getUser().then((user) => user.email)')).toBe('alice@example.com');
    expect(await grants('authorization_code')).toBeGreaterThan(exchanged);

    // The same SPA on another site: its iframe carries no IdP cookie, and the answer is Auth0's login_required, not a timeout.
    await page.goto(`${crossSite}/spa/iframe/`);
    await page.evaluate('window.ready');
    expect(await page.evaluate('client.getTokenSilently().then(() => "a token", (error) => error.error)')).toBe('login_required');

    // Logging out (/v2/logout) ends the IdP session: the next silent login is login_required too.
    await page.goto(at);
    await page.evaluate('window.ready');
    await navigatesBack(page, `client.logout({ logoutParams: { returnTo: ${JSON.stringify(at)} } })`, at);
    expect(await page.evaluate('client.getTokenSilently({ cacheMode: "off" }).then(() => "a token", (error) => error.error)')).toBe('login_required');
    await context.close();
  });

  it('auth0-spa-js with refresh tokens: refreshes from the browser (CORS), and keeps the session in localStorage across a reload', async () => {
    const { context, page } = await newTab();
    const at = `${app}/spa/refresh/`;
    await page.goto(at);
    await page.evaluate('window.ready');
    await logInAsAlice(page, 'client.loginWithRedirect()', at);
    const refreshed = await grants('refresh_token');
    expect(await dialRoles(await page.evaluate('client.getTokenSilently({ cacheMode: "off" })'))).toEqual(['auth0-role-name']);
    expect(await grants('refresh_token')).toBe(refreshed + 1);
    await page.reload();
    await page.evaluate('window.ready');
    expect(await dialRoles(await page.evaluate('client.getTokenSilently()'))).toEqual(['auth0-role-name']);
    await context.close();
  });

  it('oidc-client-ts: signs in with a redirect, refreshes silently, revokes its tokens and signs out through /oidc/logout', async () => {
    const { context, page } = await newTab();
    const at = `${app}/oidc/`;
    const visited: string[] = [];
    page.on('request', (request) => visited.push(request.url()));
    await page.goto(at);
    await page.evaluate('window.ready');
    await logInAsAlice(page, 'mgr.signinRedirect()', at);
    const user = (await page.evaluate('mgr.getUser().then((u) => ({ access: u.access_token, refresh: u.refresh_token, scope: u.scope, email: u.profile.email }))')) as Record<string, string>;
    expect(user).toMatchObject({ scope: 'openid profile email offline_access', email: 'alice@example.com', refresh: expect.any(String) });
    expect(await dialRoles(user.access)).toEqual(['auth0-role-name']);

    const refreshed = await grants('refresh_token');
    expect(await dialRoles(await page.evaluate('mgr.signinSilent().then((u) => u.access_token)'))).toEqual(['auth0-role-name']);
    expect(await grants('refresh_token')).toBe(refreshed + 1);

    // By default it revokes the access token, then the refresh token; both answers must be ones it accepts.
    expect(await page.evaluate('mgr.revokeTokens().then(() => "revoked", (error) => String(error))')).toBe('revoked');
    const reused = await idp.token({ grant_type: 'refresh_token', client_id: 'spa', refresh_token: user.refresh });
    expect(reused).toEqual({ status: 403, body: { error: 'invalid_grant', error_description: 'Unknown or invalid refresh token.' } });
    await navigatesBack(page, 'mgr.signoutRedirect()', at);
    expect(visited.some((url) => url.startsWith(`${idp.issuer}oidc/logout?`))).toBe(true);
    // The IdP session is over: a new login shows the login page.
    await page.goto(`${idp.issuer}authorize?${new URLSearchParams({ response_type: 'code', client_id: 'spa', redirect_uri: at, scope: 'openid' })}`);
    expect(new URL(page.url()).pathname).toBe('/u/login');
    await context.close();
  });
});

/** An SPA page with auth0-spa-js; `window.ready` settles once a callback it was sent back with is handled. */
function auth0SpaPage(domain: string, redirectUri: string, mode: 'iframe' | 'refresh'): string {
  const options = {
    domain, clientId: 'spa', authorizationParams: { redirect_uri: redirectUri, audience: 'dial-api', scope: 'openid profile email' },
    ...(mode === 'refresh' ? { useRefreshTokens: true, cacheLocation: 'localstorage' } : {}),
  };
  return `<!doctype html><meta charset="utf-8"><title>auth0-spa-js</title><script src="/auth0-spa-js.js"></script><script>
window.ready = (async () => {
  window.client = await auth0.createAuth0Client(${JSON.stringify(options)});
  if (new URLSearchParams(location.search).has('code')) {
    await client.handleRedirectCallback();
    history.replaceState(null, '', location.pathname);
  }
  return true;
})();
</script>`;
}

/** An SPA page with oidc-client-ts's UserManager, the audience as an extra parameter (Auth0's). */
function oidcClientPage(issuer: string, redirectUri: string): string {
  const settings = { authority: issuer, client_id: 'spa', redirect_uri: redirectUri, post_logout_redirect_uri: redirectUri, scope: 'openid profile email offline_access', extraQueryParams: { audience: 'dial-api' } };
  return `<!doctype html><meta charset="utf-8"><title>oidc-client-ts</title><script src="/oidc-client-ts.js"></script><script>
window.mgr = new oidc.UserManager(${JSON.stringify(settings)});
window.ready = (async () => {
  if (new URLSearchParams(location.search).has('code')) {
    await mgr.signinCallback();
    history.replaceState(null, '', location.pathname);
  }
  return true;
})();
</script>`;
}
