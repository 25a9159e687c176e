/**
 * GET and POST /u/login: the login step of /authorize. One either types email and password or picks a
 * tenant user. The Post-Login trigger runs after this, when oidc-provider resumes the authorization.
 */
import type { Request, Response } from 'express';
import type Provider from 'oidc-provider';

import type { Accounts } from '../accounts.ts';
import type { Tenant } from '../tenant.ts';
import { renderErrorPage, renderLoginPage } from './login-page.ts';

export interface LoginDeps {
  provider: Provider;
  tenant: Tenant;
  accounts: Accounts;
}

/** GET /u/login: the login page (or, for a consent prompt, the consent granted at once). */
export function showLogin({ provider, tenant, accounts }: LoginDeps) {
  return async function showLogin(req: Request, res: Response): Promise<void> {
    const interaction = await findInteraction(provider, req, res);
    if (!interaction) return;
    if (interaction.prompt.name === 'consent') {
      await grantConsent(provider, interaction, req, res);
      return;
    }
    res.type('html').send(renderLoginPage({ state: interaction.uid, clientName: clientName(tenant, interaction.params.client_id), users: accounts.all }));
  };
}

/** POST /u/login: email and password, or a tenant user picked; the form body is read before. */
export function submitLogin({ provider, tenant, accounts }: LoginDeps) {
  return async function submitLogin(req: Request, res: Response): Promise<void> {
    const interaction = await findInteraction(provider, req, res);
    if (!interaction) return;
    const body = (req.body ?? {}) as Record<string, string | undefined>;
    const user = body.user_id ? accounts.byId(body.user_id) : accounts.authenticate(body.username ?? '', body.password ?? '');
    if (!user) {
      res.status(400).type('html').send(renderLoginPage({
        state: interaction.uid, clientName: clientName(tenant, interaction.params.client_id), users: accounts.all, error: 'Wrong email or password', email: body.username,
      }));
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: user.user_id } }, { mergeWithLastSubmission: false });
  };
}

const clientName = (tenant: Tenant, clientId: unknown) => tenant.clients.find((c) => c.client_id === clientId)?.name ?? String(clientId);

type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>;

/**
 * Auth0 asks no consent of first-party applications; the consent prompt (from `prompt=consent`, which
 * clients send to get offline_access from other providers) is granted at once.
 */
async function grantConsent(provider: Provider, interaction: Interaction, req: Request, res: Response): Promise<void> {
  const { prompt, params, session, grantId } = interaction;
  const existing = grantId ? await provider.Grant.find(grantId) : undefined;
  const grant = existing ?? new provider.Grant({ accountId: session!.accountId, clientId: String(params.client_id) });
  const details = prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
  if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(' '));
  if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(details.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
  await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
}

async function findInteraction(provider: Provider, req: Request, res: Response) {
  try {
    return await provider.interactionDetails(req, res);
  } catch {
    res.status(400).type('html').send(renderErrorPage('invalid_request', 'The login session was not found or has expired. Start again from the application.'));
    return undefined;
  }
}
