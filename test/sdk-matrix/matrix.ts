/**
 * The client matrix: each Auth0 or OIDC library, unmodified, through its normal flows against the sandbox.
 * The README's table is made from this list (readme-table.test.ts keeps the two the same), and each row's
 * test file runs in `npm test`: a row whose flows break fails the suite.
 */
import { readFileSync } from 'node:fs';

export interface MatrixRow {
  library: string;
  /** Where its version is read: the installed package's own package.json. */
  package: string;
  flows: string;
  test: string;
}

export const MATRIX: readonly MatrixRow[] = [
  {
    library: '@auth0/auth0-spa-js', package: '@auth0/auth0-spa-js', test: 'browser-spas.test.ts',
    flows: 'login with redirect; `getTokenSilently` in its default mode (iframe, `response_mode=web_message`), after a reload too, and `login_required` off the IdP\'s site; refresh tokens (`useRefreshTokens`, `localstorage`); logout',
  },
  {
    library: 'oidc-client-ts', package: 'oidc-client-ts', test: 'browser-spas.test.ts',
    flows: '`signinRedirect` and `signinCallback`; `signinSilent` (refresh token); `revokeTokens`; `signoutRedirect` (`/oidc/logout`)',
  },
  {
    library: 'express-openid-connect', package: 'express-openid-connect', test: 'web-apps.test.ts',
    flows: 'login; `accessToken.refresh()`; logout through `/oidc/logout`, and through `/v2/logout` with `auth0Logout`; a wrong client secret is Auth0\'s `access_denied`',
  },
  { library: 'passport-auth0', package: 'passport-auth0', test: 'web-apps.test.ts', flows: 'web login with and without an audience, the profile from `/userinfo?access_token=`; a callback replayed in another browser is refused (state)' },
  { library: 'passport-openidconnect', package: 'passport-openidconnect', test: 'web-apps.test.ts', flows: 'web login, the profile from `/userinfo`' },
  {
    library: 'openid-client', package: 'openid-client', test: 'node-sdks.test.ts',
    flows: 'discovery; code + PKCE with and without an audience (the answer\'s `scope`); refresh; userinfo; end session (`buildEndSessionUrl`, followed); revocation',
  },
  {
    library: 'auth0 (node-auth0), v4 names', package: 'auth0-legacy', test: 'node-sdks.test.ts',
    flows: '`auth0/legacy`: AuthenticationClient grants; ManagementClient, every method the sandbox serves, `getAll({ fields, include_fields })` included',
  },
  { library: 'auth0 (node-auth0), v7 names', package: 'auth0', test: 'node-sdks.test.ts', flows: 'ManagementClient, every method the sandbox serves' },
  {
    library: '@auth0/auth0-auth-js', package: '@auth0/auth0-auth-js', test: 'node-sdks.test.ts',
    flows: '`buildAuthorizationUrl` and `getTokenByCode`; refresh, password and client-credentials grants; `revokeToken`; `buildLogoutUrl`',
  },
  { library: 'jwks-rsa + jsonwebtoken', package: 'jwks-rsa', test: 'node-sdks.test.ts', flows: 'a token verified against the JWKS, before and after a key rotation' },
  { library: 'jose', package: 'jose', test: 'node-sdks.test.ts', flows: '`createRemoteJWKSet` and `jwtVerify`' },
];

export function installedVersion(packageName: string): string {
  return (JSON.parse(readFileSync(new URL(`../../node_modules/${packageName}/package.json`, import.meta.url), 'utf8')) as { version: string }).version;
}

/** The README's table: library, version, flows, and where it runs. */
export function matrixTable(): string {
  const rows = MATRIX.map((row) => {
    const version = row.package === 'jwks-rsa' ? `${installedVersion('jwks-rsa')} + ${installedVersion('jsonwebtoken')}` : installedVersion(row.package);
    return `| ${row.library} | ${version} | ${row.flows} | passes: [test/sdk-matrix/${row.test}](test/sdk-matrix/${row.test}) |`;
  });
  return ['| library | version | flows | status |', '|---|---|---|---|', ...rows].join('\n');
}
