/**
 * GET /: a page for a person who opens the IdP in a browser — which tenant this is, its issuer and discovery
 * document, how to reach the login page, its users and applications, and where to read more. No Auth0 SDK
 * or OIDC client asks for a tenant's `/` (they start from the discovery document or /authorize), so a
 * helpful page here changes nothing a client relies on; what Auth0 itself shows there is nothing to copy.
 */
import type { Request, Response } from 'express';

import { AUTH0_ROUTES } from '../auth0.ts';
import { escape, page } from '../login/login-page.ts';
import type { ProviderDeps } from '../provider-deps.ts';
import { dialChatApplication } from '../tenant.ts';

export function homePage({ tenant, issuer, accounts }: Pick<ProviderDeps, 'tenant' | 'issuer' | 'accounts'>) {
  return (_req: Request, res: Response): void => {
    const name = tenant.friendly_name ?? 'the sandbox tenant';
    const users = accounts.all.map((u) => `<li>${escape(u.email)} — ${escape(u.name)}<br><small>roles: ${escape(u.roles.join(', ') || 'none')}</small></li>`).join('');
    const apps = tenant.clients.map((c) => `<li>${escape(c.name)} <small>client_id <code>${escape(c.client_id)}</code>, ${escape(c.app_type)}</small></li>`).join('');
    const apis = tenant.resource_servers.map((r) => `<li><code>${escape(r.identifier)}</code> <small>${escape(r.name)}</small></li>`).join('');
    res.type('html').send(page(`${name} | mock-idp`, `<h1>mock-idp</h1>
<p>An Auth0-compatible identity provider of dial-auth-sandbox, for <b>${escape(name)}</b>: it runs offline and is not Auth0.</p>
<p>Issuer <code>${escape(issuer)}</code><br><a href="/.well-known/openid-configuration">Discovery document</a> · <a href="${AUTH0_ROUTES.jwks}">JWKS</a> · <a href="/healthz">health</a></p>
<h2>Log in</h2><p>The login page (<code>/u/login</code>) opens through <code>/authorize</code>, as Auth0's Universal Login does.${loginLink(tenant)}</p>
<h2>Users</h2>${users ? `<ul>${users}</ul><small>Their passwords are in the environment's tenant.yaml.</small>` : '<p>none</p>'}
<h2>Applications</h2>${apps ? `<ul>${apps}</ul>` : '<p>none</p>'}
<h2>APIs (audiences)</h2>${apis ? `<ul>${apis}</ul>` : '<p>none</p>'}
<h2>The sandbox's controls</h2><p><a href="/__control/log">recent token requests</a> · <a href="/__control/scenarios">fault scenarios</a><br><small>With a control token set, these want it as a Bearer token.</small></p>
<p>More: the project's README, "Services and their URLs" → mock-idp.</p>`));
  };
}

/** A login as DIAL Chat starts one, to its first callback, when the tenant has Chat's application. */
function loginLink(tenant: ProviderDeps['tenant']): string {
  const chat = dialChatApplication(tenant);
  const callback = chat?.callbacks[0];
  if (!chat || !callback) return '';
  const query = new URLSearchParams({ response_type: 'code', client_id: chat.client_id, redirect_uri: callback, scope: 'openid profile email', ...(tenant.default_audience ? { audience: tenant.default_audience } : {}) });
  return ` <a href="${AUTH0_ROUTES.authorization}?${escape(query.toString())}">Log in to ${escape(chat.name)}</a> <small>(afterwards the browser goes to ${escape(callback)})</small>`;
}
