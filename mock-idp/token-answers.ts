/**
 * Auth0's answers at /oauth/token and /oauth/revoke where oidc-provider's differ (docs/auth0.md#token-endpoint,
 * docs/auth0.md#refresh-tokens):
 * - `scope` is what the access token is for, OIDC scopes (offline_access too) beside the API's: oidc-provider
 *   answers an API token's scope without the OIDC ones (`""`), and an opaque one's without offline_access;
 * - a refresh without rotation answers no `refresh_token` (oidc-provider echoes the one sent);
 * - a revocation is a 200 with no body, and so no Content-Type (oidc-provider's says text/plain, which
 *   oidc-client-ts refuses); Auth0 revokes refresh tokens only, and answers the same 200 for any other token
 *   (oidc-provider refuses a JWT access token with 400 unsupported_token_type; oidc-client-ts revokes the
 *   access token first by default).
 */
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';

import type { Outcomes } from './actions/outcomes.ts';
import { auth0Scopes, requestedOidcScopes } from './token-shapes.ts';

interface TokenAnswer {
  access_token?: string;
  refresh_token?: string;
  scope?: string;
}

export function shapeTokenAnswers(provider: Provider, { outcomes, rotatesRefreshTokens }: { outcomes: Outcomes; rotatesRefreshTokens: (clientId: string) => boolean }): void {
  provider.use(async (ctx, next) => {
    await next();
    const { oidc } = ctx as KoaContextWithOIDC;
    if (oidc?.route === 'revocation' && ctx.status === 400 && (ctx.body as { error?: string } | undefined)?.error === 'unsupported_token_type') ctx.status = 200;
    if (!oidc || ctx.status !== 200) return;
    if (oidc.route === 'revocation') {
      // An explicitly empty body: Koa then sends no Content-Type (unless it was JSON, which makes it `null`),
      // and the status is set again after it (null means 204).
      ctx.remove('content-type');
      ctx.body = null;
      ctx.status = 200;
    } else if (oidc.route === 'token' && ctx.body && typeof ctx.body === 'object') {
      const answer = ctx.body as TokenAnswer;
      if (answer.access_token) answer.scope = scopeOf(answer.access_token, ctx as KoaContextWithOIDC, outcomes) || undefined;
      if (oidc.params?.grant_type === 'refresh_token' && !rotatesRefreshTokens(oidc.client!.clientId)) delete answer.refresh_token;
    }
  });
}

/** A JWT's own `scope` claim (shaped by shapeAccessToken); an opaque token's, worked out the same way. */
function scopeOf(accessToken: string, ctx: KoaContextWithOIDC, outcomes: Outcomes): string {
  const payload = accessToken.split('.')[1];
  if (payload) return String((JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { scope?: unknown }).scope ?? '');
  return auth0Scopes(requestedOidcScopes(ctx), [], outcomes.forRequest(ctx)).join(' ');
}
