/**
 * GET/POST /oidc/logout: Auth0's RP-initiated logout (docs/auth0.md#oidc-logout). An `id_token_hint` whose
 * `sid` is the browser's session (or a `logout_hint` naming it) ends the session and redirects at once to
 * `post_logout_redirect_uri`, with `state`; so does a request when the browser has no session to end. Any
 * other request gets Auth0's logout prompt, unless the tenant turned it off: that is oidc-provider's own
 * confirmation step (`next`), whose page provider.ts renders. The checks come first, with Auth0's words.
 */
import { stringify as formText } from 'node:querystring';

import type { NextFunction, Request, Response } from 'express';
import { compactVerify, decodeProtectedHeader } from 'jose';
import type Provider from 'oidc-provider';

import { renderErrorPage, renderLoggedOutPage } from '../login/login-page.ts';
import type { ProviderDeps } from '../provider-deps.ts';
import { replayWithForm } from '../request-shim.ts';
import type { TenantClient } from '../tenant.ts';
import { currentSession, endSession, matchesLogoutUrl } from './session-end.ts';

/** The claims of an ID token hint that logout uses. */
interface IdTokenHint {
  aud: string;
  sid?: string;
}

export function oidcLogoutHandler(provider: Provider, { tenant, keys, issuer }: Pick<ProviderDeps, 'tenant' | 'keys' | 'issuer'>) {
  return async function oidcLogout(req: Request, res: Response, next: NextFunction): Promise<void> {
    const fields = (req.method === 'POST' ? req.body : req.query) as Record<string, unknown> | undefined;
    const param = (name: string) => (typeof fields?.[name] === 'string' ? (fields[name] as string) : undefined);

    let hint: IdTokenHint | undefined;
    const idTokenHint = param('id_token_hint');
    if (idTokenHint !== undefined) {
      hint = await verifiedHint(idTokenHint, keys, issuer);
      if (!hint) return refuse(res, 'The "id_token_hint" parameter is not a valid ID token issued by this tenant.');
    }
    const clientId = param('client_id');
    if (hint && clientId !== undefined && clientId !== hint.aud) return refuse(res, 'The "client_id" parameter does not match the "aud" claim of the "id_token_hint".');
    const named = hint?.aud ?? clientId;
    const client: TenantClient | undefined = named === undefined ? undefined : tenant.clients.find((c) => c.client_id === named);
    if (named !== undefined && !client) return refuse(res, `Unknown client: ${named}`);

    const asked = param('post_logout_redirect_uri');
    const allowed = client ? client.allowed_logout_urls : tenant.allowed_logout_urls;
    if (asked !== undefined && !allowed.some((url) => matchesLogoutUrl(url, asked))) {
      const settings = client ? ` To add a new URL, please do it here: https://manage.auth0.com/#/applications/${client.client_id}/settings` : '';
      return refuse(res, `The "post_logout_redirect_uri" querystring parameter "${asked}" is not defined as a valid URL in "Allowed Logout URLs".${settings}`);
    }

    const session = await currentSession(provider, req, res);
    const sids = Object.values(session.authorizations ?? {}).map((authorization) => authorization.sid);
    const logoutHint = param('logout_hint');
    const matched = Boolean(hint?.sid && sids.includes(hint.sid)) || Boolean(logoutHint && sids.includes(logoutHint));
    if (session.accountId && !matched && tenant.oidc_logout_prompt) {
      // oidc-provider reads the body itself: a form already read is handed on anew.
      if (req.method === 'POST') res.locals.oidcRequest = replayWithForm(req, formText(fields as Record<string, string>));
      return next();
    }

    await endSession(provider, req, res);
    // Without post_logout_redirect_uri, an application named goes back to its first Allowed Logout URL.
    const target = asked ?? client?.allowed_logout_urls[0];
    if (target) res.redirect(302, withState(target, param('state')));
    else res.type('html').send(renderLoggedOutPage());
  };
}

/** The hint's audience and session, when it is an ID token this tenant signed (expired ones included, as OIDC asks). */
async function verifiedHint(token: string, keys: ProviderDeps['keys'], issuer: string): Promise<IdTokenHint | undefined> {
  try {
    const key = keys.find(decodeProtectedHeader(token).kid);
    if (!key) return undefined;
    const claims = JSON.parse(Buffer.from((await compactVerify(token, key.publicKey, { algorithms: ['RS256'] })).payload).toString('utf8')) as { iss?: unknown; aud?: unknown; sid?: unknown };
    if (claims.iss !== issuer || typeof claims.aud !== 'string') return undefined;
    return { aud: claims.aud, sid: typeof claims.sid === 'string' ? claims.sid : undefined };
  } catch {
    return undefined;
  }
}

/** The URL with `state` added to its query, as Auth0 hands it back. */
function withState(target: string, state: string | undefined): string {
  if (state === undefined) return target;
  const url = new URL(target);
  url.searchParams.append('state', state);
  return url.href;
}

function refuse(res: Response, description: string): void {
  res.status(400).type('html').send(renderErrorPage('invalid_request', description));
}
