/**
 * GET /v2/logout: Auth0's own logout. Ends the session and redirects to `returnTo`, which must be among the
 * application's Allowed Logout URLs (with `client_id`) or the tenant's (without).
 */
import type { Request, Response } from 'express';
import type Provider from 'oidc-provider';

import { renderErrorPage } from '../login/login-page.ts';
import type { Tenant } from '../tenant.ts';
import { endSession, matchesLogoutUrl } from './session-end.ts';

export function v2LogoutHandler(provider: Provider, tenant: Tenant) {
  return async function v2Logout(req: Request, res: Response): Promise<void> {
    const returnTo = typeof req.query.returnTo === 'string' ? req.query.returnTo : undefined;
    const clientId = typeof req.query.client_id === 'string' ? req.query.client_id : undefined;
    const client = clientId ? tenant.clients.find((c) => c.client_id === clientId) : undefined;
    if (clientId && !client) {
      res.status(400).type('html').send(renderErrorPage('invalid_request', `Unknown client: ${clientId}`));
      return;
    }
    const allowed = client ? client.allowed_logout_urls : tenant.allowed_logout_urls;
    if (returnTo && !allowed.some((url) => matchesLogoutUrl(url, returnTo))) {
      const where = client ? `"Allowed Logout URLs" of the application ${client.name}` : 'the tenant\'s "Allowed Logout URLs"';
      res.status(400).type('html').send(renderErrorPage('invalid_request', `The "returnTo" querystring parameter "${returnTo}" is not defined as a valid URL in ${where}.`));
      return;
    }
    await endSession(provider, req, res);
    if (returnTo) res.redirect(302, returnTo);
    else res.type('text').send('OK');
  };
}
