import { rmSync } from 'node:fs';

import { AuthClient, TokenByPasswordError, TokenByRefreshTokenError } from '@auth0/auth0-auth-js';
import { ManagementClient } from 'auth0';
import { AuthApiError, AuthenticationClient, ManagementClient as ManagementClientV4 } from 'auth0/legacy';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import jwt from 'jsonwebtoken';
import jwksRsa from 'jwks-rsa';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loginThroughBrowser } from '../support/browser.ts';
import { alice, bob, ciRunner, dialChat, startTestIdp, type TestIdp } from '../support/idp.ts';
import { privateStateDir } from '../support/sandbox-helpers.ts';

// The Node libraries of the client matrix (matrix.ts), each unmodified and configured as its README says,
// against one IdP on the tutorial tenant: openid-client, node-auth0 (v4 names and v7 names), auth0-auth-js,
// jwks-rsa with jsonwebtoken, and jose.

const CALLBACK = 'http://localhost:3000/api/auth/callback/auth0';
const APP = 'http://localhost:3000';
const SCOPE = 'openid profile email offline_access';
const asAlice = { email: alice.username, password: alice.password };

let idp: TestIdp;
/** localhost:<port>: the "tenant domain" the Auth0 SDKs are given. */
let domain: string;
// This file creates users and roles and rotates and revokes signing keys: in a state folder of its own, so
// that none of it reaches the test files running beside it, which share the default one.
const stateDir = privateStateDir('node-sdks');

beforeAll(async () => {
  idp = await startTestIdp({ stateDir });
  domain = new URL(idp.issuer).host;
});
afterAll(async () => {
  await idp?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

/** The browser's Cookie header from its jar. */
const cookieHeader = (cookies: Map<string, string>) => [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');

/** One request as a browser makes it (no redirect followed): its cookies sent, and the ones it is given kept (an emptied one dropped). */
async function browse(url: string | URL, cookies: Map<string, string>, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), cookie: cookieHeader(cookies), accept: 'text/html' } });
  for (const line of response.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const [name, ...value] = pair!.split('=');
    if (value.join('=')) cookies.set(name!.trim(), value.join('='));
    else cookies.delete(name!.trim());
  }
  return response;
}

/** Where a new /authorize of dial-chat sends this browser: straight back to the app while the session lasts, to the login page once it is gone. */
async function authorizeLandsOn(cookies: Map<string, string>): Promise<string> {
  const authorize = new URL(`${idp.issuer}authorize`);
  authorize.search = new URLSearchParams({ response_type: 'code', client_id: dialChat.client_id, redirect_uri: CALLBACK, scope: 'openid' }).toString();
  const location = (await browse(authorize, cookies)).headers.get('location')!;
  const target = new URL(location, idp.issuer);
  return target.href.startsWith(CALLBACK) ? 'the app' : target.pathname;
}

describe('openid-client', () => {
  let config: oidc.Configuration;
  beforeAll(async () => {
    // Over HTTPS, with no allowInsecureRequests: Node trusts the sandbox CA (NODE_EXTRA_CA_CERTS, vitest.config.ts).
    config = await oidc.discovery(new URL(idp.issuer), dialChat.client_id, dialChat.client_secret);
  });

  /** A code + PKCE login of alice in a browser whose cookies land in `cookies`: the library's token answer. */
  async function codeLogin(params: Record<string, string>, cookies = new Map<string, string>()) {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK, scope: SCOPE, code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state, ...params,
    });
    const landing = await loginThroughBrowser(url, asAlice, CALLBACK, cookies);
    return oidc.authorizationCodeGrant(config, landing.url, { pkceCodeVerifier: verifier, expectedState: state });
  }

  it('discovers the endpoints it uses beyond the token endpoint: userinfo, end session and revocation', () => {
    expect(config.serverMetadata()).toMatchObject({
      issuer: idp.issuer,
      userinfo_endpoint: `${idp.issuer}userinfo`,
      end_session_endpoint: `${idp.issuer}oidc/logout`,
      revocation_endpoint: `${idp.issuer}oauth/revoke`,
    });
  });

  it('code + PKCE for dial-api: the answer\'s scope is the one asked for, offline_access included; refresh (no rotation) and userinfo', async () => {
    const tokens = await codeLogin({ audience: 'dial-api' });
    expect(tokens.scope).toBe(SCOPE);
    expect(tokens.refresh_token).toEqual(expect.any(String));
    expect(await idp.verify(tokens.access_token, 'dial-api')).toMatchObject({ dial_roles: ['auth0-role-name'], scope: SCOPE });
    const sub = tokens.claims()!.sub;

    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    expect((await idp.verify(refreshed.access_token, 'dial-api')).dial_roles).toEqual(['auth0-role-name']);
    expect(refreshed.scope).toBe(SCOPE);
    // dial-chat does not rotate refresh tokens: Auth0 answers none, and the one the app holds goes on working.
    expect(refreshed.refresh_token).toBeUndefined();
    expect((await oidc.refreshTokenGrant(config, tokens.refresh_token!)).access_token).toEqual(expect.any(String));

    expect(await oidc.fetchUserInfo(config, refreshed.access_token, sub)).toMatchObject({ sub, email: alice.username, name: 'Alice' });
  });

  it('code + PKCE without an audience: an opaque access token, and still the whole scope and a refresh token; userinfo takes the opaque token', async () => {
    const tokens = await codeLogin({});
    expect(tokens.access_token.split('.')).toHaveLength(1);
    expect(tokens.scope).toBe(SCOPE);
    expect(tokens.refresh_token).toEqual(expect.any(String));
    const sub = tokens.claims()!.sub;
    expect(await oidc.fetchUserInfo(config, tokens.access_token, sub)).toMatchObject({ sub, email: alice.username });
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(await oidc.fetchUserInfo(config, refreshed.access_token, sub)).toMatchObject({ sub });
  });

  it('buildEndSessionUrl with the login\'s ID token, followed in that browser: straight back to the app with state, and the session is over', async () => {
    const cookies = new Map<string, string>();
    const tokens = await codeLogin({ audience: 'dial-api' }, cookies);
    // While the session lasts the IdP logs the browser in without asking (the control for the last line).
    expect(await authorizeLandsOn(cookies)).toBe('the app');

    const state = oidc.randomState();
    const logoutUrl = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: APP, state });
    expect(logoutUrl.href.startsWith(`${idp.issuer}oidc/logout?`)).toBe(true);
    const logout = await browse(logoutUrl, cookies);
    expect(logout.status).toBe(302);
    const back = new URL(logout.headers.get('location')!);
    expect([back.origin, back.searchParams.get('state')]).toEqual([APP, state]);
    expect(await authorizeLandsOn(cookies)).toBe('/u/login');
  });

  it('tokenRevocation of the refresh token: refreshing with it is then invalid_grant; revoking the access token leaves it working, as Auth0 revokes refresh tokens only', async () => {
    const tokens = await codeLogin({ audience: 'dial-api' });
    await oidc.tokenRevocation(config, tokens.access_token);
    const sub = tokens.claims()!.sub;
    expect(await oidc.fetchUserInfo(config, tokens.access_token, sub)).toMatchObject({ sub });
    // Still valid before the revocation, so the refusal below is the revocation's doing.
    await oidc.refreshTokenGrant(config, tokens.refresh_token!);

    await oidc.tokenRevocation(config, tokens.refresh_token!);
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ status: 403, error: 'invalid_grant' });
  });
});

describe('@auth0/auth0-auth-js', () => {
  let auth: AuthClient;
  beforeAll(() => {
    auth = new AuthClient({ domain, clientId: dialChat.client_id, clientSecret: dialChat.client_secret });
  });

  /** buildAuthorizationUrl → the browser's login → getTokenByCode, for alice. */
  async function codeLogin(cookies = new Map<string, string>()) {
    const { authorizationUrl, codeVerifier } = await auth.buildAuthorizationUrl({ authorizationParams: { redirect_uri: CALLBACK, scope: SCOPE, audience: 'dial-api' } });
    const landing = await loginThroughBrowser(authorizationUrl, asAlice, CALLBACK, cookies);
    return auth.getTokenByCode(landing.url, { codeVerifier });
  }

  it('buildAuthorizationUrl, login, getTokenByCode: the ID token\'s claims, the scope, a refresh token; getTokenByRefreshToken', async () => {
    const tokens = await codeLogin();
    expect(tokens.claims).toMatchObject({ iss: idp.issuer, aud: dialChat.client_id, email: alice.username, name: 'Alice', sid: expect.any(String) });
    expect(tokens.scope).toBe(SCOPE);
    expect(tokens.expiresAt).toBeGreaterThan(Date.now() / 1000);
    expect((await idp.verify(tokens.accessToken, 'dial-api')).dial_roles).toEqual(['auth0-role-name']);

    const refreshed = await auth.getTokenByRefreshToken({ refreshToken: tokens.refreshToken! });
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    expect(refreshed.claims?.email).toBe(alice.username);
    expect((await idp.verify(refreshed.accessToken, 'dial-api')).dial_roles).toEqual(['auth0-role-name']);
  });

  it('getTokenByPassword, and a wrong password as TokenByPasswordError carrying Auth0\'s words', async () => {
    const tokens = await auth.getTokenByPassword({ username: bob.username, password: bob.password, audience: 'dial-api', scope: 'openid email' });
    expect(tokens.claims?.email).toBe(bob.username);
    expect((await idp.verify(tokens.accessToken, 'dial-api')).dial_roles).toEqual([]);

    const wrong = await auth.getTokenByPassword({ username: bob.username, password: 'nope', audience: 'dial-api' }).catch((error: unknown) => error);
    expect(wrong).toBeInstanceOf(TokenByPasswordError);
    expect(wrong).toMatchObject({ statusCode: 403, cause: { error: 'invalid_grant', error_description: 'Wrong email or password.' } });
  });

  it('getTokenByClientCredentials for ci-runner', async () => {
    const m2m = new AuthClient({ domain, clientId: ciRunner.client_id, clientSecret: ciRunner.client_secret });
    const tokens = await m2m.getTokenByClientCredentials({ audience: 'dial-api' });
    expect(await idp.verify(tokens.accessToken, 'dial-api')).toMatchObject({ sub: 'ci-runner@clients', gty: 'client-credentials' });
  });

  it('revokeToken: the refresh token is then refused as TokenByRefreshTokenError invalid_grant', async () => {
    const { refreshToken } = await codeLogin();
    // It refreshes before, so the refusal after is the revocation's doing.
    await auth.getTokenByRefreshToken({ refreshToken: refreshToken! });
    await auth.revokeToken({ token: refreshToken! });
    const refused = await auth.getTokenByRefreshToken({ refreshToken: refreshToken! }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TokenByRefreshTokenError);
    expect(refused).toMatchObject({ cause: { error: 'invalid_grant' } });
  });

  it('buildLogoutUrl, followed: with no ID token hint Auth0 asks first; once the user says yes, back to returnTo and logged out', async () => {
    const cookies = new Map<string, string>();
    await codeLogin(cookies);
    const logoutUrl = await auth.buildLogoutUrl({ returnTo: APP });
    expect(Object.fromEntries(logoutUrl.searchParams)).toEqual({ post_logout_redirect_uri: APP, client_id: dialChat.client_id });

    const prompt = await browse(logoutUrl, cookies);
    expect(prompt.status).toBe(200);
    const html = await prompt.text();
    expect(html).toContain('Are you sure you want to log out');
    expect(await authorizeLandsOn(cookies)).toBe('the app');
    // What the page's button sends: the confirmation form's fields and logout=yes.
    const action = /<form[^>]*action="([^"]+)"/.exec(html)![1]!.replace(/&amp;/g, '&');
    const fields = Object.fromEntries([...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    const confirmed = await browse(new URL(action, idp.issuer), cookies, {
      method: 'POST', body: new URLSearchParams({ ...fields, logout: 'yes' }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(confirmed.status).toBe(303);
    expect(new URL(confirmed.headers.get('location')!).origin).toBe(APP);
    expect(await authorizeLandsOn(cookies)).toBe('/u/login');
  });
});

describe('auth0 v4 (auth0/legacy): AuthenticationClient', () => {
  let auth: AuthenticationClient;
  beforeAll(() => {
    auth = new AuthenticationClient({ domain, clientId: dialChat.client_id, clientSecret: dialChat.client_secret });
  });

  it('passwordGrant (the SDK validates the ID token itself), refreshTokenGrant, revokeRefreshToken, after which the refresh is a 403 invalid_grant', async () => {
    const { data } = await auth.oauth.passwordGrant({ ...alice, audience: 'dial-api', scope: SCOPE });
    expect(decodeJwt(data.id_token!)).toMatchObject({ iss: idp.issuer, email: alice.username });
    expect((await idp.verify(data.access_token, 'dial-api')).dial_roles).toEqual(['auth0-role-name']);

    const refreshed = (await auth.oauth.refreshTokenGrant({ refresh_token: data.refresh_token! })).data;
    expect((await idp.verify(refreshed.access_token, 'dial-api')).scope).toBe(SCOPE);
    expect(refreshed.refresh_token).toBeUndefined();

    await auth.oauth.revokeRefreshToken({ token: data.refresh_token! });
    const refused = await auth.oauth.refreshTokenGrant({ refresh_token: data.refresh_token! }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AuthApiError);
    expect(refused).toMatchObject({ statusCode: 403, error: 'invalid_grant' });
  });

  it('clientCredentialsGrant for ci-runner', async () => {
    const m2m = new AuthenticationClient({ domain, clientId: ciRunner.client_id, clientSecret: ciRunner.client_secret });
    const { data } = await m2m.oauth.clientCredentialsGrant({ audience: 'dial-api' });
    expect(await idp.verify(data.access_token, 'dial-api')).toMatchObject({ sub: 'ci-runner@clients', gty: 'client-credentials' });
  });
});

describe('jose: createRemoteJWKSet and jwtVerify', () => {
  it('verifies an access token for dial-api and an ID token for dial-chat', async () => {
    const { body } = await idp.token({ grant_type: 'password', ...dialChat, ...alice, audience: 'dial-api', scope: 'openid email' });
    const jwks = createRemoteJWKSet(new URL(`${idp.issuer}.well-known/jwks.json`));
    const access = await jwtVerify(body.access_token!, jwks, { issuer: idp.issuer, audience: 'dial-api', algorithms: ['RS256'] });
    expect(access.payload.dial_roles).toEqual(['auth0-role-name']);
    const id = await jwtVerify(body.id_token!, jwks, { issuer: idp.issuer, audience: dialChat.client_id, algorithms: ['RS256'] });
    expect(id.payload).toMatchObject({ email: alice.username, sub: access.payload.sub });
    // Each token is for its own audience only.
    await expect(jwtVerify(body.id_token!, jwks, { issuer: idp.issuer, audience: 'dial-api' })).rejects.toMatchObject({ code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'aud' });
  });
});

describe('jwks-rsa + jsonwebtoken', () => {
  const jwksUri = () => `${idp.issuer}.well-known/jwks.json`;
  const newJwksClient = () => jwksRsa({ jwksUri: jwksUri(), cache: true, rateLimit: true });

  /** jsonwebtoken's verify with the key jwks-rsa finds for the token's kid, as its README wires them. */
  const verify = (jwks: jwksRsa.JwksClient, token: string, audience = 'dial-api') =>
    new Promise<jwt.JwtPayload>((resolve, reject) => {
      jwt.verify(
        token,
        (header, callback) => void jwks.getSigningKey(header.kid, (error, key) => callback(error, key?.getPublicKey())),
        { algorithms: ['RS256'], issuer: idp.issuer, audience },
        (error, payload) => (error ? reject(error) : resolve(payload as jwt.JwtPayload)),
      );
    });
  const aliceToken = async () => (await idp.token({ grant_type: 'password', ...dialChat, ...alice, audience: 'dial-api', scope: 'openid' })).body.access_token!;
  const kidOf = (token: string) => decodeProtectedHeader(token).kid!;

  it('verifies an access token: RS256, the issuer, audience dial-api', async () => {
    expect(await verify(newJwksClient(), await aliceToken())).toMatchObject({ iss: idp.issuer, dial_roles: ['auth0-role-name'] });
  });

  it('after rotations through the Management API, the same client verifies a token whose kid it has never seen, and the previous key\'s until it is revoked', async () => {
    const jwks = newJwksClient();
    const before = await aliceToken();
    await verify(jwks, before);
    const seen = (await jwks.getSigningKeys()).map((k) => k.kid);

    // Two rotations: the first makes the published "next" key current, the second a key made after the client's fetch.
    const management = new ManagementClient({ domain, clientId: ciRunner.client_id, clientSecret: ciRunner.client_secret });
    await management.keys.signing.rotate();
    await management.keys.signing.rotate();
    const after = await aliceToken();
    expect(seen).not.toContain(kidOf(after));
    expect(await verify(jwks, after)).toMatchObject({ dial_roles: ['auth0-role-name'] });
    expect(await verify(jwks, before)).toMatchObject({ dial_roles: ['auth0-role-name'] });

    await management.keys.signing.revoke(kidOf(before));
    // A client that has the key cached keeps trusting it until the cache entry expires (10 minutes by default),
    // as DIAL Core does; a client that fetches the JWKS now finds no such key.
    expect(await verify(jwks, before)).toMatchObject({ dial_roles: ['auth0-role-name'] });
    // (jsonwebtoken wraps jwks-rsa's SigningKeyNotFoundError in its own error, keeping the message.)
    await expect(verify(newJwksClient(), before)).rejects.toMatchObject({ message: `error in secret or public key callback: Unable to find a signing key that matches '${kidOf(before)}'` });
    expect(await verify(newJwksClient(), after)).toMatchObject({ dial_roles: ['auth0-role-name'] });
  });

  it('refuses a token for another audience, and one signed with HS256 under a published kid', async () => {
    const jwks = newJwksClient();
    const { body } = await idp.token({ grant_type: 'client_credentials', ...ciRunner, audience: `${idp.issuer}api/v2/` });
    expect(await verify(jwks, body.access_token!, `${idp.issuer}api/v2/`)).toMatchObject({ sub: 'ci-runner@clients' });
    await expect(verify(jwks, body.access_token!)).rejects.toMatchObject({ name: 'JsonWebTokenError', message: 'jwt audience invalid. expected: dial-api' });

    const claims = decodeJwt(await aliceToken());
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: kidOf(body.access_token!) }).sign(new TextEncoder().encode('a secret anyone could pick'));
    await expect(verify(jwks, forged)).rejects.toMatchObject({ name: 'JsonWebTokenError', message: 'invalid algorithm' });
  });
});

// node-auth0's ManagementClient under both majors' names (docs/auth0.md#management-api): the same operations,
// the same outcomes. Each adapter row maps one operation to that major's method; v4 answers `{ data }`,
// v7 the value (or a page with `.data`).

type Json = Record<string, any>;
interface UserQuery {
  q?: string;
  fields?: string;
  include_fields?: boolean;
}
interface NewUser {
  connection: string;
  email: string;
  password: string;
  name?: string;
}
interface UserChange {
  name?: string;
  app_metadata?: Record<string, unknown>;
}

interface Management {
  listUsers(query?: UserQuery): Promise<Json[]>;
  getUser(id: string, query?: UserQuery): Promise<Json>;
  createUser(user: NewUser): Promise<Json>;
  updateUser(id: string, change: UserChange): Promise<Json>;
  deleteUser(id: string): Promise<unknown>;
  usersByEmail(email: string): Promise<Json[]>;
  userRoles(id: string): Promise<Json[]>;
  assignUserRoles(id: string, roles: string[]): Promise<unknown>;
  removeUserRoles(id: string, roles: string[]): Promise<unknown>;
  listRoles(): Promise<Json[]>;
  getRole(id: string): Promise<Json>;
  createRole(role: { name: string; description?: string }): Promise<Json>;
  updateRole(id: string, change: { name?: string; description?: string }): Promise<Json>;
  deleteRole(id: string): Promise<unknown>;
  roleUsers(id: string): Promise<Json[]>;
  assignRoleUsers(id: string, users: string[]): Promise<unknown>;
  signingKeys(): Promise<Json[]>;
  signingKey(kid: string): Promise<Json>;
  rotateKey(): Promise<Json>;
  revokeKey(kid: string): Promise<Json>;
}

interface Major {
  name: string;
  /** Marks the user and role each major's run makes, so that the two runs do not meet. */
  tag: string;
  /** A client of its own: each fetches its M2M token (ci-runner) on first use and keeps it. */
  connect(domain: string): Management;
  /** A refused call as this major reports it: v4 puts the code on the error, v7 keeps the parsed body. */
  refusal(statusCode: number, errorCode: string): Json;
}

const credentials = { clientId: ciRunner.client_id, clientSecret: ciRunner.client_secret };

const v4: Major = {
  name: 'v4 (auth0/legacy)',
  tag: 'v4',
  connect(domain) {
    const m = new ManagementClientV4({ domain, ...credentials });
    return {
      listUsers: async (query) => (await m.users.getAll(query)).data,
      getUser: async (id, query) => (await m.users.get({ id, ...query })).data,
      createUser: async (user) => (await m.users.create(user)).data,
      updateUser: async (id, change) => (await m.users.update({ id }, change)).data,
      deleteUser: (id) => m.users.delete({ id }),
      usersByEmail: async (email) => (await m.usersByEmail.getByEmail({ email })).data,
      userRoles: async (id) => (await m.users.getRoles({ id })).data,
      assignUserRoles: (id, roles) => m.users.assignRoles({ id }, { roles }),
      removeUserRoles: (id, roles) => m.users.deleteRoles({ id }, { roles }),
      listRoles: async () => (await m.roles.getAll()).data,
      getRole: async (id) => (await m.roles.get({ id })).data,
      createRole: async (role) => (await m.roles.create(role)).data,
      updateRole: async (id, change) => (await m.roles.update({ id }, change)).data,
      deleteRole: (id) => m.roles.delete({ id }),
      roleUsers: async (id) => (await m.roles.getUsers({ id })).data,
      assignRoleUsers: (id, users) => m.roles.assignUsers({ id }, { users }),
      signingKeys: async () => (await m.keys.getAll()).data,
      signingKey: async (kid) => (await m.keys.get({ kid })).data,
      rotateKey: async () => (await m.keys.rotate()).data,
      revokeKey: async (kid) => (await m.keys.revoke({ kid })).data,
    };
  },
  refusal: (statusCode, errorCode) => ({ name: 'ManagementApiError', statusCode, errorCode }),
};

const v7: Major = {
  name: 'v7 (auth0)',
  tag: 'v7',
  connect(domain) {
    const m = new ManagementClient({ domain, ...credentials });
    return {
      listUsers: async (query) => (await m.users.list(query)).data,
      getUser: (id, query) => m.users.get(id, query),
      createUser: (user) => m.users.create(user),
      updateUser: (id, change) => m.users.update(id, change),
      deleteUser: (id) => m.users.delete(id),
      usersByEmail: (email) => m.users.listUsersByEmail({ email }),
      userRoles: async (id) => (await m.users.roles.list(id)).data,
      assignUserRoles: (id, roles) => m.users.roles.assign(id, { roles }),
      removeUserRoles: (id, roles) => m.users.roles.delete(id, { roles }),
      listRoles: async () => (await m.roles.list()).data,
      getRole: (id) => m.roles.get(id),
      createRole: (role) => m.roles.create(role),
      updateRole: (id, change) => m.roles.update(id, change),
      deleteRole: (id) => m.roles.delete(id),
      roleUsers: async (id) => (await m.roles.users.list(id)).data,
      assignRoleUsers: (id, users) => m.roles.users.assign(id, { users }),
      signingKeys: () => m.keys.signing.list(),
      signingKey: (kid) => m.keys.signing.get(kid),
      rotateKey: () => m.keys.signing.rotate(),
      revokeKey: (kid) => m.keys.signing.revoke(kid),
    };
  },
  refusal: (statusCode, errorCode) => ({ statusCode, body: { statusCode, errorCode } }),
};

describe.each([v4, v7])('auth0 $name: ManagementClient, every method the sandbox serves', (major) => {
  let m: Management;
  const { tag } = major;
  const email = `carol.${tag}@example.com`;
  let carol: Json;
  let dialAdmins: Json;
  beforeAll(() => {
    m = major.connect(domain);
  });

  it('lists and searches users, returns only the fields asked for, gets one by id and by email', async () => {
    expect((await m.listUsers()).map((u) => u.email).sort()).toEqual([alice.username, bob.username]);
    expect((await m.listUsers({ q: `email:"${alice.username}"` })).map((u) => u.name)).toEqual(['Alice']);
    const trimmed = await m.listUsers({ fields: 'email,user_id', include_fields: true });
    expect(trimmed.map((u) => Object.keys(u).sort())).toEqual([['email', 'user_id'], ['email', 'user_id']]);

    const aliceId = trimmed.find((u) => u.email === alice.username)!.user_id as string;
    expect(await m.getUser(aliceId)).toMatchObject({ user_id: aliceId, email: alice.username, name: 'Alice', identities: [{ connection: 'Username-Password-Authentication' }] });
    expect(await m.getUser(aliceId, { fields: 'name', include_fields: true })).toEqual({ name: 'Alice' });
    expect((await m.usersByEmail(alice.username)).map((u) => u.user_id)).toEqual([aliceId]);
  });

  it('creates a user and updates it', async () => {
    carol = await m.createUser({ connection: 'Username-Password-Authentication', email, password: 'carol', name: 'Carol' });
    expect(carol).toMatchObject({ email, name: 'Carol', user_id: expect.stringMatching(/^auth0\|/) });
    expect(carol).not.toHaveProperty('password');
    const updated = await m.updateUser(carol.user_id, { name: 'Carol C.', app_metadata: { team: 'dial' } });
    expect(updated).toMatchObject({ name: 'Carol C.', app_metadata: { team: 'dial' } });
    expect((await m.getUser(carol.user_id)).name).toBe('Carol C.');
    expect((await m.usersByEmail(email)).map((u) => u.user_id)).toEqual([carol.user_id]);
  });

  it('creates, gets, updates and lists roles, and assigns them from both sides', async () => {
    dialAdmins = await m.createRole({ name: `dial-admins-${tag}`, description: 'Admins' });
    expect(dialAdmins).toMatchObject({ id: expect.stringMatching(/^rol_/), name: `dial-admins-${tag}`, description: 'Admins' });
    expect(await m.getRole(dialAdmins.id)).toEqual(dialAdmins);
    expect(await m.updateRole(dialAdmins.id, { description: 'DIAL admins' })).toMatchObject({ id: dialAdmins.id, description: 'DIAL admins' });
    const roles = await m.listRoles();
    expect(roles.map((r) => r.name).sort()).toEqual(['auth0-role-name', `dial-admins-${tag}`]);
    const tutorialRole = roles.find((r) => r.name === 'auth0-role-name')!;

    await m.assignUserRoles(carol.user_id, [tutorialRole.id]);
    await m.assignRoleUsers(dialAdmins.id, [carol.user_id]);
    expect((await m.userRoles(carol.user_id)).map((r) => r.name).sort()).toEqual(['auth0-role-name', `dial-admins-${tag}`]);
    expect((await m.roleUsers(dialAdmins.id)).map((u) => [u.user_id, u.email])).toEqual([[carol.user_id, email]]);

    await m.removeUserRoles(carol.user_id, [tutorialRole.id]);
    expect((await m.userRoles(carol.user_id)).map((r) => r.name)).toEqual([`dial-admins-${tag}`]);
    // The tutorial role keeps its own member.
    expect((await m.roleUsers(tutorialRole.id)).map((u) => u.email)).toEqual([alice.username]);
  });

  it('deletes the role and the user: each is then Auth0\'s 404', async () => {
    await m.deleteRole(dialAdmins.id);
    await expect(m.getRole(dialAdmins.id)).rejects.toMatchObject(major.refusal(404, 'inexistent_role'));
    expect(await m.userRoles(carol.user_id)).toEqual([]);
    await m.deleteUser(carol.user_id);
    await expect(m.getUser(carol.user_id)).rejects.toMatchObject(major.refusal(404, 'inexistent_user'));
    expect(await m.usersByEmail(email)).toEqual([]);
  });

  it('lists, gets, rotates and revokes signing keys', async () => {
    const keys = await m.signingKeys();
    const current = keys.find((k) => k.current)!;
    const next = keys.find((k) => k.next)!;
    expect(await m.signingKey(current.kid)).toMatchObject({ kid: current.kid, current: true, cert: expect.stringMatching(/^-----BEGIN CERTIFICATE-----/) });
    // The key that signs cannot be revoked.
    await expect(m.revokeKey(current.kid)).rejects.toMatchObject({ statusCode: 400 });

    expect(await m.rotateKey()).toMatchObject({ kid: next.kid });
    expect(await m.signingKey(current.kid)).toMatchObject({ current: false, previous: true, revoked: false });
    expect(await m.revokeKey(current.kid)).toMatchObject({ kid: current.kid });
    // This client's token was signed with the key just revoked, so it is refused now, like every such token;
    // a new client gets a new one.
    await expect(m.signingKeys()).rejects.toMatchObject({ statusCode: 401 });
    m = major.connect(domain);
    const after = await m.signingKeys();
    expect(after.find((k) => k.kid === current.kid)).toMatchObject({ revoked: true, previous: true });
    expect(after.find((k) => k.current)!.kid).toBe(next.kid);
    const published = ((await (await fetch(`${idp.issuer}.well-known/jwks.json`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
    expect(published).toContain(next.kid);
    expect(published).not.toContain(current.kid);
  });
});
