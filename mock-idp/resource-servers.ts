/** The tenant's APIs (Auth0 "resource servers") as oidc-provider resource servers. */
import type { ResourceServer as OidcResourceServer } from 'oidc-provider';

import type { ResourceServer } from './tenant.ts';

export function resourceServerInfo(api: ResourceServer, signingKid: string): OidcResourceServer {
  return {
    scope: api.scopes.join(' '),
    audience: api.identifier,
    accessTokenTTL: api.token_lifetime,
    accessTokenFormat: 'jwt',
    jwt: { sign: { alg: 'RS256', kid: signingKid } },
  } as OidcResourceServer;
}
