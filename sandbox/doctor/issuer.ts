import type { Tenant } from '../../mock-idp/tenant.ts';
import { IDP_DEFAULTS } from '../../mock-idp/defaults.ts';

/** The issuer a tenant's tokens carry: https://<domain>/, the domain defaulting as mock-idp's does. */
export function auth0Issuer(tenant: Tenant): string {
  return `https://${tenant.domain ?? `localhost:${IDP_DEFAULTS.httpsPort}`}/`;
}
