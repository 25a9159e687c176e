/**
 * GET and POST /u/login: the login step of /authorize. One either types email and password or picks a
 * tenant user. The Post-Login trigger runs after this, when oidc-provider resumes the authorization.
 */
import express, { type Request, type Response, type Router } from 'express';
import type Provider from 'oidc-provider';

import type { Accounts } from '../accounts.ts';
import { readBody } from '../request-body.ts';
import type { Tenant } from '../tenant.ts';
import { renderErrorPage, renderLoginPage } from './login-page.ts';

export function loginRoutes(provider: Provider, tenant: Tenant, accounts: Accounts): Router {
  const router = express.Router();
  const clientName = (clientId: unknown) => tenant.clients.find((c) => c.client_id === clientId)?.name ?? String(clientId);

  router.get('/u/login', async (req, res) => {
    const interaction = await findInteraction(provider, req, res);
    if (!interaction) return;
    if (interaction.prompt.name === 'consent') {
      await grantConsent(provider, interaction, req, res);
      return;
    }
    res.type('html').send(renderLoginPage({ state: interaction.uid, clientName: clientName(interaction.params.client_id), users: accounts.all }));
  });

  router.post('/u/login', readBody({ types: ['form'] }), async (req, res) => {
    const interaction = await findInteraction(provider, req, res);
    if (!interaction) return;
    const body = req.body as Record<string, string | undefined>;
    const user = body.user_id ? accounts.byId(body.user_id) : accounts.authenticate(body.username ?? '', body.password ?? '');
    if (!user) {
      res.status(400).type('html').send(renderLoginPage({
        state: interaction.uid, clientName: clientName(interaction.params.client_id), users: accounts.all, error: 'Wrong email or password', email: body.username,
      }));
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: user.user_id } }, { mergeWithLastSubmission: false });
  });

  return router;
}

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
