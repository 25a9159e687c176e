/**
 * mock-idp as a process of its own (the compose service). Environment variables only point at things:
 * SANDBOX_ENV (the environment folder, of which it reads tenant.yaml and the Actions' files),
 * SANDBOX_STATE_DIR, SANDBOX_HOST, SANDBOX_IDP_HTTP_PORT, SANDBOX_IDP_HTTPS_PORT, SANDBOX_TLS_NAMES (more
 * certificate names, comma-separated), and the addresses the tenant is known by there: SANDBOX_DOMAIN (the
 * issuer's host), SANDBOX_BROWSER_ORIGIN, and SANDBOX_CHAT_ORIGIN (where the browser reaches DIAL Chat: its
 * callback and logout URL join Chat's application).
 * SANDBOX_CONTROL_TOKEN, if set, is the token every /__control endpoint then wants.
 */
import { join } from 'node:path';

import { environmentFolder } from '../common/environment-folder.ts';
import { controlTokenFrom, exposureWarning } from '../common/exposure.ts';
import { runService } from '../common/run-service.ts';
import { IDP_DEFAULTS } from './defaults.ts';
import { createIdp } from './idp.ts';
import { loadTenant } from './load-tenant.ts';
import { withChatOrigin } from './tenant.ts';

await runService('mock-idp', async (env) => {
  const defined = loadTenant(join(environmentFolder(env.SANDBOX_ENV), 'tenant.yaml'));
  const tenant = env.SANDBOX_CHAT_ORIGIN ? withChatOrigin(defined, env.SANDBOX_CHAT_ORIGIN) : defined;
  const host = env.SANDBOX_HOST ?? IDP_DEFAULTS.host;
  const controlToken = controlTokenFrom(env.SANDBOX_CONTROL_TOKEN);
  const idp = await createIdp({
    tenant: { ...tenant, domain: env.SANDBOX_DOMAIN ?? tenant.domain, browser_origin: env.SANDBOX_BROWSER_ORIGIN ?? tenant.browser_origin },
    stateDir: env.SANDBOX_STATE_DIR,
    host,
    controlToken,
    httpPort: Number(env.SANDBOX_IDP_HTTP_PORT ?? IDP_DEFAULTS.httpPort),
    httpsPort: Number(env.SANDBOX_IDP_HTTPS_PORT ?? IDP_DEFAULTS.httpsPort),
    tlsNames: env.SANDBOX_TLS_NAMES?.split(',').filter(Boolean),
  });
  return { description: `issuer ${idp.issuer}, ${idp.httpUrl} and ${idp.httpsUrl}; CA ${idp.caFile}`, stop: idp.stop, exposure: exposureWarning(host, ['idp'], controlToken) };
});
