import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import express from 'express';
import eoc from 'express-openid-connect';
import session from 'express-session';
import { decodeJwt } from 'jose';
import passport from 'passport';
import Auth0Strategy from 'passport-auth0';
import OpenIDConnectStrategy from 'passport-openidconnect';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { TenantClient } from '../../mock-idp/tenant.ts';
import { browserUnavailable, launchTrustingChromium, type TrustingBrowser } from '../support/chromium.ts';
import { startTestIdp, tutorialTenant, type TestIdp } from '../support/idp.ts';

// The server-side login libraries, unmodified and at their documented settings, each in a small Express app
// on http://localhost:<free port>. Debian's chromium, trusting the sandbox CA as after `dial-sandbox trust`,
// does the browser's part; the apps reach the IdP over HTTPS through NODE_EXTRA_CA_CERTS (vitest.config.ts).
const unavailable = browserUnavailable();
if (unavailable) console.warn(`[sdk-matrix] web apps skipped: ${unavailable}`);

/** Cookie and session secret of every test app (express-openid-connect wants one of 32 characters or more). */
const APP_SECRET = 'a-cookie-secret-long-enough-for-express-openid-connect';
const LOGIN_SCOPE = 'openid profile email offline_access';
const ALICE = /Alice <alice@example\.com>/;

/** An app's HTTP server, listening before the IdP starts (its URLs go into the tenant); the app is mounted later. */
interface AppServer {
  server: http.Server;
  url: string;
  mount(app: express.Express): void;
  /** Answers the next request for `path` itself, without the app seeing it, and gives its URL. */
  holdNext(path: string): Promise<string>;
}

async function listenForApp(): Promise<AppServer> {
  let app: express.Express | undefined;
  let held: { path: string; take(url: string): void } | undefined;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url!, appServer.url);
    if (held?.path === url.pathname) {
      held.take(url.href);
      held = undefined;
      return void res.writeHead(200, { 'content-type': 'text/html' }).end('<p>held by the test</p>');
    }
    if (!app) return void res.writeHead(503).end();
    app(req, res);
  });
  await once(server.listen(0, '127.0.0.1'), 'listening');
  const appServer: AppServer = {
    server,
    url: `http://localhost:${(server.address() as AddressInfo).port}`,
    mount: (mounted) => void (app = mounted),
    holdNext: (path) => new Promise((take) => void (held = { path, take })),
  };
  return appServer;
}

/** A regular web application in the tenant, allowed back to `apps` after login and logout. */
function webClient(clientId: string, apps: AppServer[]): TenantClient {
  return {
    name: clientId, client_id: clientId, client_secret: `${clientId}-secret`, app_type: 'regular_web',
    callbacks: apps.map((app) => `${app.url}/callback`), allowed_logout_urls: apps.map((app) => app.url), web_origins: [],
    grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'client_secret_post', id_token_lifetime: 36_000, refresh_token_rotation: false,
  };
}

/**
 * A test app's answer: JSON inside a <pre>, as HTML, so the test reads the text the app sent and not whatever
 * Chromium's JSON viewer draws around it.
 */
function answer(res: express.Response, value: unknown): void {
  res.type('html').send(`<pre id="answer">${JSON.stringify(value).replace(/&/g, '&amp;').replace(/</g, '&lt;')}</pre>`);
}

/** The last handler of every app: a library's error becomes an answer the test can show, not Express's HTML stack page. */
const answerErrors: express.ErrorRequestHandler = (error: { status?: number; message?: string; error?: string; error_description?: string }, _req, res, _next) => {
  answer(res.status(error.status ?? 500), { status: error.status ?? 500, message: error.message, error: error.error, error_description: error.error_description });
};

/** express-openid-connect with its login, callback and logout routes, and two of the app's own. */
function expressOpenidConnectApp(idp: TestIdp, app: AppServer, client: TenantClient, options: Parameters<typeof eoc.auth>[0] = {}): express.Express {
  const web = express();
  web.use(eoc.auth({
    issuerBaseURL: idp.issuer, baseURL: app.url, clientID: client.client_id, clientSecret: client.client_secret, secret: APP_SECRET, authRequired: false,
    // Without it /logout only forgets the app's session: the README's setting for logging out of the IdP too.
    idpLogout: true,
    authorizationParams: { response_type: 'code', audience: 'dial-api', scope: LOGIN_SCOPE },
    ...options,
  }));
  web.get('/', (req, res) => answer(res, { authenticated: req.oidc.isAuthenticated() }));
  web.get('/me', eoc.requiresAuth(), (req, res) => {
    const accessToken = req.oidc.accessToken!.access_token;
    answer(res, { user: req.oidc.user, accessToken, claims: decodeJwt(accessToken), hasRefreshToken: typeof req.oidc.refreshToken === 'string' });
  });
  web.get('/refresh', eoc.requiresAuth(), async (req, res) => {
    const before = req.oidc.accessToken!;
    const after = await before.refresh();
    answer(res, { before: before.access_token, after: after.access_token, claims: decodeJwt(after.access_token) });
  });
  web.use(answerErrors);
  return web;
}

/**
 * A passport app: express-session (which both strategies keep state and nonce in), its own Passport instance
 * (the module's default one is shared by everything in the process), `logins` as login routes, and /me.
 */
function passportApp(name: string, strategy: passport.Strategy, logins: Record<string, passport.AuthenticateOptions>): express.Express {
  const authenticator = new passport.Passport();
  authenticator.use(name, strategy);
  // The whole user goes into the session: a test app has no user store to find it in again.
  authenticator.serializeUser((user, done) => done(null, user));
  authenticator.deserializeUser((user: Express.User, done) => done(null, user));
  const web = express();
  web.use(session({ secret: APP_SECRET, resave: false, saveUninitialized: false }));
  web.use(authenticator.initialize());
  web.use(authenticator.session());
  for (const [path, options] of Object.entries(logins)) web.get(path, authenticator.authenticate(name, options));
  web.get('/callback', authenticator.authenticate(name, { failureRedirect: '/failed', failureMessage: true }), (_req, res) => res.redirect('/me'));
  web.get('/failed', (req, res) => answer(res.status(401), { messages: (req.session as { messages?: string[] }).messages }));
  web.get('/me', (req, res) => (req.user ? answer(res, req.user) : answer(res.status(401), { user: null })));
  web.use(answerErrors);
  return web;
}

/** What passport-auth0's verify callback is handed, kept as the session's user. */
interface Auth0User {
  id: string;
  email?: string;
  userinfo: Record<string, unknown>;
  accessToken: string;
  refreshToken?: string;
  idToken?: string;
}

/** What passport-openidconnect's verify callback is handed, kept as the session's user. */
interface OidcUser {
  issuer: string;
  userinfo: passport.Profile & { _json?: Record<string, unknown> };
  idProfile: passport.Profile;
  accessToken: string;
  refreshToken?: string;
}

describe.skipIf(Boolean(unavailable))(`server-side web-app libraries against mock-idp${unavailable ? ` — skipped: ${unavailable}` : ''}`, () => {
  let idp: TestIdp;
  let browser: TrustingBrowser;
  let idpOrigin: string;
  let aliceId: string;
  /** express-openid-connect: logging out through /oidc/logout, through /v2/logout, and one with the wrong client secret. */
  let oidcLogoutApp: AppServer;
  let auth0LogoutApp: AppServer;
  let wrongSecretApp: AppServer;
  let passportAuth0App: AppServer;
  let passportOidcApp: AppServer;
  let apps: AppServer[] = [];

  beforeAll(async () => {
    apps = await Promise.all(Array.from({ length: 5 }, listenForApp));
    [oidcLogoutApp, auth0LogoutApp, wrongSecretApp, passportAuth0App, passportOidcApp] = apps as [AppServer, AppServer, AppServer, AppServer, AppServer];
    const eocClient = webClient('express-openid-connect', [oidcLogoutApp, wrongSecretApp]);
    const eocAuth0LogoutClient = webClient('express-openid-connect-auth0-logout', [auth0LogoutApp]);
    const auth0Client = webClient('passport-auth0', [passportAuth0App]);
    const oidcClient = webClient('passport-openidconnect', [passportOidcApp]);
    idp = await startTestIdp({ tenant: tutorialTenant((t) => t.clients.push(eocClient, eocAuth0LogoutClient, auth0Client, oidcClient)) });
    idpOrigin = new URL(idp.issuer).origin;
    aliceId = idp.tenant.users.find((user) => user.email === 'alice@example.com')!.user_id;

    oidcLogoutApp.mount(expressOpenidConnectApp(idp, oidcLogoutApp, eocClient));
    auth0LogoutApp.mount(expressOpenidConnectApp(idp, auth0LogoutApp, eocAuth0LogoutClient, { auth0Logout: true }));
    wrongSecretApp.mount(expressOpenidConnectApp(idp, wrongSecretApp, eocClient, { clientSecret: 'not-the-secret' }));

    passportAuth0App.mount(passportApp('auth0', new Auth0Strategy(
      { domain: new URL(idp.issuer).host, clientID: auth0Client.client_id, clientSecret: auth0Client.client_secret!, callbackURL: `${passportAuth0App.url}/callback`, state: true },
      (accessToken, refreshToken, extraParams, profile, done) => {
        const user: Auth0User = {
          id: profile.id, email: profile.emails?.[0]?.value, userinfo: profile._json as Record<string, unknown>, accessToken, refreshToken,
          // @types/passport-auth0 leaves out the token answer's fields; the library hands the whole answer.
          idToken: (extraParams as { id_token?: string }).id_token,
        };
        done(null, user);
      },
    ), {
      // passport-auth0 takes `audience` (and the other Auth0 parameters) in authenticate's options, not the strategy's.
      '/login': { scope: LOGIN_SCOPE, audience: 'dial-api' } as passport.AuthenticateOptions,
      '/login/without-audience': { scope: LOGIN_SCOPE },
    }));

    const oidcStrategy = new OpenIDConnectStrategy(
      {
        issuer: idp.issuer, authorizationURL: `${idp.issuer}authorize`, tokenURL: `${idp.issuer}oauth/token`, userInfoURL: `${idp.issuer}userinfo`,
        clientID: oidcClient.client_id, clientSecret: oidcClient.client_secret!, callbackURL: `${passportOidcApp.url}/callback`, scope: ['profile', 'email', 'offline_access'],
      },
      // The library picks what it hands over by the callback's arity, and only the nine-argument form makes it
      // call /userinfo (the shorter ones get the ID token's claims alone): the profile from /userinfo is the
      // first, the ID token's the second.
      (issuer: string, userinfo: object, idProfile: object, _context: object, _idToken: string | object, accessToken: string | object, refreshToken: string, _params: unknown, done: OpenIDConnectStrategy.VerifyCallback) => {
        const user: OidcUser = { issuer, userinfo: userinfo as OidcUser['userinfo'], idProfile: idProfile as passport.Profile, accessToken: String(accessToken), refreshToken };
        done(null, user);
      },
    );
    // The library has no audience option. `authorizationParams` is its documented hook for "additional,
    // non-standard parameters" of the authorization request (its JSDoc in lib/strategy.js), meant to be overridden.
    oidcStrategy.authorizationParams = () => ({ audience: 'dial-api' });
    passportOidcApp.mount(passportApp('openidconnect', oidcStrategy, { '/login': {} }));

    browser = await launchTrustingChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await idp?.stop();
    for (const { server } of apps) {
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
    }
  });

  /** A fresh browser profile's tab (no app or IdP session), and every URL it requests, redirects included. */
  async function newTab(): Promise<{ context: BrowserContext; page: Page; requested: URL[] }> {
    const context = await browser.browser.newContext();
    // Every step here takes well under a second: a wait that fails says so in seconds, with Playwright's reason.
    context.setDefaultTimeout(5_000);
    const page = await context.newPage();
    const requested: URL[] = [];
    page.on('request', (request) => void requested.push(new URL(request.url())));
    return { context, page, requested };
  }

  /** The page the app showed: its path and what it answered (see `answer`). */
  async function shown(page: Page): Promise<{ path: string; body: any }> {
    const text = await page.locator('#answer').textContent();
    return { path: new URL(page.url()).pathname, body: text === null ? null : JSON.parse(text) };
  }

  /** Opens `start`, which should lead to the IdP's login page, picks alice, and waits to be back at `app`. */
  async function logInAsAlice(page: Page, start: string, app: AppServer): Promise<{ path: string; body: any }> {
    await page.goto(start);
    await onLoginPage(page);
    await page.getByRole('button', { name: ALICE }).click();
    await page.waitForURL((url) => url.origin === app.url);
    return shown(page);
  }

  /** Whether the page (after a `goto`, which follows the redirects) is the IdP's login page: a browser with no IdP session ends up there. */
  async function onLoginPage(page: Page): Promise<void> {
    const url = new URL(page.url());
    expect(`${url.origin}${url.pathname}`).toBe(`${idpOrigin}/u/login`);
    expect(await page.locator('h1').textContent()).toBe('Log in');
  }

  const verifiedRoles = async (accessToken: string) => (await idp.verify(accessToken, 'dial-api')).dial_roles;

  it('express-openid-connect: logs in, refreshes the access token, and logs out of both the app and the IdP through /oidc/logout', async () => {
    const { context, page, requested } = await newTab();
    const me = await logInAsAlice(page, `${oidcLogoutApp.url}/me`, oidcLogoutApp);
    expect(me.path, JSON.stringify(me.body)).toBe('/me');
    expect(me.body.user).toMatchObject({ email: 'alice@example.com', sub: aliceId });
    expect(me.body.claims.dial_roles).toEqual(['auth0-role-name']);
    expect(await verifiedRoles(me.body.accessToken)).toEqual(['auth0-role-name']);
    expect(me.body.hasRefreshToken).toBe(true);

    // The refresh goes to the IdP (the token is a new one), and the new token still carries the Action's claim.
    await page.goto(`${oidcLogoutApp.url}/refresh`);
    const refresh = await shown(page);
    expect(refresh.path, JSON.stringify(refresh.body)).toBe('/refresh');
    expect(refresh.body.before).toBe(me.body.accessToken);
    expect(refresh.body.after).not.toBe(refresh.body.before);
    expect(await verifiedRoles(refresh.body.after)).toEqual(['auth0-role-name']);

    // Without the app's cookie the IdP's session alone logs the browser back in, with no login page: what the
    // logout below must end as well.
    const loginPages = () => requested.filter((url) => url.origin === idpOrigin && url.pathname === '/u/login').length;
    const loginPagesBefore = loginPages();
    await context.clearCookies({ name: 'appSession' });
    await page.goto(`${oidcLogoutApp.url}/me`);
    expect((await shown(page)).body.user.email).toBe('alice@example.com');
    expect(loginPages()).toBe(loginPagesBefore);

    await page.goto(`${oidcLogoutApp.url}/logout`);
    await page.waitForURL((url) => url.origin === oidcLogoutApp.url);
    expect(await shown(page)).toEqual({ path: '/', body: { authenticated: false } });
    const logout = requested.find((url) => url.origin === idpOrigin && url.pathname === '/oidc/logout');
    expect(logout?.searchParams.get('post_logout_redirect_uri')).toBe(oidcLogoutApp.url);
    expect(logout?.searchParams.get('client_id')).toBe('express-openid-connect');
    expect(logout?.searchParams.has('id_token_hint')).toBe(true);
    expect(requested.some((url) => url.pathname === '/v2/logout')).toBe(false);

    // Both sessions are gone: the app sends the browser to the IdP, and the IdP asks who is logging in.
    await page.goto(`${oidcLogoutApp.url}/me`);
    await onLoginPage(page);
    await context.close();
  });

  it('express-openid-connect with auth0Logout: logs out through /v2/logout, which ends the IdP session too', async () => {
    const { context, page, requested } = await newTab();
    const me = await logInAsAlice(page, `${auth0LogoutApp.url}/me`, auth0LogoutApp);
    expect(me.path, JSON.stringify(me.body)).toBe('/me');
    expect(me.body.user.email).toBe('alice@example.com');

    await page.goto(`${auth0LogoutApp.url}/logout`);
    await page.waitForURL((url) => url.origin === auth0LogoutApp.url);
    expect(await shown(page)).toEqual({ path: '/', body: { authenticated: false } });
    const logout = requested.find((url) => url.origin === idpOrigin && url.pathname === '/v2/logout');
    expect(logout?.searchParams.get('client_id')).toBe('express-openid-connect-auth0-logout');
    expect(logout?.searchParams.get('returnTo')).toBe(auth0LogoutApp.url);
    expect(requested.some((url) => url.pathname === '/oidc/logout')).toBe(false);

    await page.goto(`${auth0LogoutApp.url}/me`);
    await onLoginPage(page);
    await context.close();
  });

  it('express-openid-connect with a wrong client secret: the callback fails with Auth0\'s access_denied, and no session is made', async () => {
    const { context, page } = await newTab();
    const landing = await logInAsAlice(page, `${wrongSecretApp.url}/me`, wrongSecretApp);
    expect(landing).toMatchObject({ path: '/callback', body: { status: 400, error: 'access_denied', error_description: 'Unauthorized' } });
    await page.goto(wrongSecretApp.url);
    expect((await shown(page)).body).toEqual({ authenticated: false });
    await context.close();
  });

  it('passport-auth0 with an audience: the profile from /userinfo?access_token=, dial_roles in the access token, a refresh token and the ID token', async () => {
    const { context, page, requested } = await newTab();
    const me = await logInAsAlice(page, `${passportAuth0App.url}/login`, passportAuth0App);
    expect(me.path, JSON.stringify(me.body)).toBe('/me');
    const user = me.body as Auth0User;
    expect(user).toMatchObject({ id: aliceId, email: 'alice@example.com', userinfo: { sub: aliceId, email: 'alice@example.com' } });
    expect(await verifiedRoles(user.accessToken)).toEqual(['auth0-role-name']);
    expect(user.refreshToken).toEqual(expect.any(String));
    expect(decodeJwt(user.idToken!)).toMatchObject({ iss: idp.issuer, aud: 'passport-auth0', sub: aliceId, email: 'alice@example.com' });
    // The audience went to /authorize from authenticate's options.
    const authorize = requested.find((url) => url.origin === idpOrigin && url.pathname === '/authorize');
    expect(authorize?.searchParams.get('audience')).toBe('dial-api');
    await context.close();
  });

  it('passport-auth0 without an audience: the access token is opaque, and /userinfo still answers the profile for it', async () => {
    const { context, page } = await newTab();
    const me = await logInAsAlice(page, `${passportAuth0App.url}/login/without-audience`, passportAuth0App);
    // A refused /userinfo shows here as passport-auth0's "failed to fetch user profile" (it drops the status).
    expect(me.path, JSON.stringify(me.body)).toBe('/me');
    const user = me.body as Auth0User;
    expect(user.accessToken.split('.')).not.toHaveLength(3);
    expect(user).toMatchObject({ id: aliceId, email: 'alice@example.com', userinfo: { sub: aliceId, email: 'alice@example.com' } });
    await context.close();
  });

  it('passport-auth0 refuses a callback replayed in another browser (state), and the same callback still works in the browser that logged in', async () => {
    const { context, page } = await newTab();
    // The test takes the IdP's redirect back to the app before the app sees it: the code is still unused.
    const held = passportAuth0App.holdNext('/callback');
    await page.goto(`${passportAuth0App.url}/login`);
    await onLoginPage(page);
    await page.getByRole('button', { name: ALICE }).click();
    await page.waitForURL((url) => url.origin === passportAuth0App.url);
    const callback = await held;
    expect(new URL(callback).searchParams.get('code')).toBeTruthy();

    const other = await newTab();
    await other.page.goto(callback);
    expect(await shown(other.page)).toEqual({ path: '/failed', body: { messages: ['Unable to verify authorization request state.'] } });
    await other.context.close();

    await page.goto(callback);
    const me = await shown(page);
    expect(me.path, JSON.stringify(me.body)).toBe('/me');
    expect((me.body as Auth0User).email).toBe('alice@example.com');
    await context.close();
  });

  it('passport-openidconnect: the issuer, the profile from /userinfo, and dial_roles in the access token asked for through authorizationParams', async () => {
    const { context, page, requested } = await newTab();
    const me = await logInAsAlice(page, `${passportOidcApp.url}/login`, passportOidcApp);
    expect(me.path, JSON.stringify(me.body)).toBe('/me');
    const user = me.body as OidcUser;
    expect(user.issuer).toBe(idp.issuer);
    expect(user.userinfo).toMatchObject({ id: aliceId, emails: [{ value: 'alice@example.com' }], _json: { sub: aliceId, email: 'alice@example.com' } });
    expect(user.idProfile.id).toBe(aliceId);
    expect(await verifiedRoles(user.accessToken)).toEqual(['auth0-role-name']);
    expect(user.refreshToken).toEqual(expect.any(String));
    const authorize = requested.find((url) => url.origin === idpOrigin && url.pathname === '/authorize');
    expect(authorize?.searchParams.get('audience')).toBe('dial-api');
    expect(authorize?.searchParams.get('scope')).toBe('openid profile email offline_access');
    await context.close();
  });
});
