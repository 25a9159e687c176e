/**
 * `response_mode=web_message`, as Auth0 serves it (docs/auth0.md#web-message): the answer to /authorize is a
 * page that posts `{ type: 'authorization_response', response }` to the window that opened it (a popup's
 * opener) or holds it (a silent login's iframe), for the origin of `redirect_uri` alone. That origin must be
 * among the application's Allowed Web Origins, or Auth0 posts nothing and shows an error page (the SDK's wait
 * then times out). auth0-spa-js's `getTokenSilently` and `loginWithPopup` take their code this way.
 */
import type { NextFunction, Request, Response } from 'express';
import type { KoaContextWithOIDC } from 'oidc-provider';

import { renderErrorPage } from './login/login-page.ts';
import type { Tenant } from './tenant.ts';

export const WEB_MESSAGE = 'web_message';

/** Auth0's words for the errors a silent login ends with, where oidc-provider's differ. */
const AUTH0_DESCRIPTIONS: Record<string, string> = { login_required: 'Login required' };

/** Characters that could end the script the response sits in, or a line of it. */
const SCRIPT_UNSAFE = /[<>&\u2028\u2029]/g;

/** The response mode, for oidc-provider's registerResponseMode. Auth0 answers 200, errors included. */
export function webMessageResponse(ctx: KoaContextWithOIDC, redirectUri: string, response: Record<string, unknown>): void {
  const described = typeof response.error === 'string' && AUTH0_DESCRIPTIONS[response.error];
  const message = JSON.stringify({ type: 'authorization_response', response: described ? { ...response, error_description: described } : response });
  ctx.status = 200;
  ctx.type = 'html';
  // The page must load in the application's iframe.
  ctx.remove('x-frame-options');
  ctx.body = `<!DOCTYPE html><html><head><title>Authorization Response</title></head><body><script type="text/javascript">
(function (window) {
  var targetOrigin = ${scriptJson(new URL(redirectUri).origin)};
  var authorizationResponse = ${scriptJson(message, true)};
  var mainWin = window.opener ? window.opener : window.parent;
  mainWin.postMessage(authorizationResponse, targetOrigin);
})(this);
</script></body></html>`;
}

/** Before oidc-provider sees a web_message request: the origin it would post to must be allowed, as Auth0 checks. */
export function checkWebMessageOrigin(tenant: Tenant) {
  return function webMessageOrigin(req: Request, res: Response, next: NextFunction): void {
    const { response_mode: mode, client_id: clientId, redirect_uri: redirectUri } = req.query;
    if (mode !== WEB_MESSAGE || typeof redirectUri !== 'string' || !URL.canParse(redirectUri)) return next();
    const client = tenant.clients.find((c) => c.client_id === clientId);
    if (!client) return next(); // oidc-provider's own error for an unknown client
    const origin = new URL(redirectUri).origin;
    if (client.web_origins.some((allowed) => URL.canParse(allowed) && new URL(allowed).origin === origin)) return next();
    res.status(400).type('html').send(renderErrorPage('invalid_request', `The specified redirect_uri '${redirectUri}' does not have a registered origin.`));
  };
}

/** A value as a JavaScript literal inside a script element (`json`: already JSON text). */
function scriptJson(value: string, json = false): string {
  return (json ? value : JSON.stringify(value)).replace(SCRIPT_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
