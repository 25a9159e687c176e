/**
 * GET/POST /userinfo. Auth0 accepts a JWT access token whose `aud` includes `<issuer>userinfo` (asked with
 * `openid` and an API) and the opaque token issued without an audience; oidc-provider's own endpoint refuses
 * any token with an API audience (docs/auth0.md#oidc-provider-gaps), so this one replaces it. The token comes
 * in the Authorization header, a form body's or the query's `access_token` (RFC 6750 §2.1–2.3: passport-auth0
 * sends it in the query), exactly one of them, and a refusal is Auth0's plain-text 401 (docs/auth0.md#userinfo).
 */
import type { Request, Response } from 'express';
import type Provider from 'oidc-provider';

import { claimsForScope } from '../accounts.ts';
import type { ProviderDeps } from '../provider-deps.ts';
import { bearerToken, verifyTenantJwt } from '../verify-access-token.ts';

/** Auth0's challenge: the realm alone without a token, the reason beside it for one refused. */
const CHALLENGE = 'Bearer realm="Users"';

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
    const sent = tokensSent(req);
    if (sent.length > 1) {
      res.status(400).type('text').send('Bad Request');
      return;
    }
    const token = sent[0];
    if (!token) {
      res.status(401).set('WWW-Authenticate', CHALLENGE).type('text').send('Unauthorized');
      return;
    }
    let subject: { sub: string; scope: string } | undefined;
    try {
      subject = await (token.split('.').length === 3 ? verifyJwt(token) : findOpaque(token));
    } catch {
      subject = undefined;
    }
    const user = subject && accounts.byId(subject.sub);
    if (!user) {
      res.status(401).set('WWW-Authenticate', `${CHALLENGE}, error="invalid_token", error_description="Invalid token"`).type('text').send('Unauthorized');
      return;
    }
    res.json({ ...claimsForScope(user, subject!.scope, accounts.pictureOrigin), sub: user.user_id });
  };
}

/** The access tokens the request carries, in each of the three places RFC 6750 allows. */
function tokensSent(req: Request): string[] {
  const fromBody = (req.body as Record<string, unknown> | undefined)?.access_token;
  const fromQuery = req.query.access_token;
  return [bearerToken(req.headers), fromBody, fromQuery].filter((token): token is string => typeof token === 'string' && token !== '');
}
