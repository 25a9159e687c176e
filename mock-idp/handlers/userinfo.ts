/**
 * GET/POST /userinfo. Auth0 accepts a JWT access token whose `aud` includes `<issuer>userinfo` (asked with
 * `openid` and an API) and the opaque token issued without an audience; oidc-provider's own endpoint refuses
 * any token with an API audience (docs/auth0.md#oidc-provider-gaps), so this one replaces it.
 */
import type { Request, Response } from 'express';
import type Provider from 'oidc-provider';

import { claimsForScope } from '../accounts.ts';
import type { ProviderDeps } from '../provider-deps.ts';
import { bearerToken, verifyTenantJwt } from '../verify-access-token.ts';

export function userinfoHandler(provider: Provider, { issuer, keys, accounts, clock }: ProviderDeps) {
  const verifyJwt = async (token: string) => {
    const payload = await verifyTenantJwt(token, keys, { issuer, audience: `${issuer}userinfo`, now: clock.now() });
    return payload && { sub: String(payload.sub), scope: String(payload.scope ?? '') };
  };
  const findOpaque = async (token: string) => {
    const at = await provider.AccessToken.find(token);
    return at && !at.isExpired && at.accountId ? { sub: at.accountId, scope: at.scope ?? '' } : undefined;
  };

  return async function userinfo(req: Request, res: Response): Promise<void> {
    const token = bearerToken(req.headers);
    let subject: { sub: string; scope: string } | undefined;
    try {
      subject = token ? await (token.split('.').length === 3 ? verifyJwt(token) : findOpaque(token)) : undefined;
    } catch {
      subject = undefined;
    }
    const user = subject && accounts.byId(subject.sub);
    if (!user) {
      // Auth0 answers a bad token with a bare 401 and the reason in WWW-Authenticate.
      res.status(401).set('WWW-Authenticate', 'Bearer realm="sandbox", error="invalid_token", error_description="Invalid token"').send('Unauthorized');
      return;
    }
    res.json({ ...claimsForScope(user, subject!.scope, accounts.pictureOrigin), sub: user.user_id });
  };
}
