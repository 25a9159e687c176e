/** The tenant's APIs (Auth0 "resource servers") as oidc-provider resource servers. */
import type { ResourceServer as OidcResourceServer } from 'oidc-provider';

import type { ResourceServer } from './tenant.ts';

/**
 * No `kid` is pinned: the keystore holds one signing key that follows the key ring (provider-signing-key.ts),
 * so a rotation between this moment and the signature cannot leave the token asking for a key gone by then.
 */
export function resourceServerInfo(api: ResourceServer): OidcResourceServer {
  return {
    scope: api.scopes.join(' '),
    audience: api.identifier,
    accessTokenTTL: api.token_lifetime,
    accessTokenFormat: 'jwt',
    jwt: { sign: { alg: 'RS256' } },
  } as OidcResourceServer;
}
