/** An environment folder (environments/<name>/): what it holds, loaded and validated. */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { Tenant } from '../mock-idp/tenant.ts';
import { SandboxError } from './errors.ts';
import { loadTenant } from './load-tenant.ts';

/** The environment `npm start` runs: the Auth0 tutorial, made runnable. */
export const DEFAULT_ENVIRONMENT = fileURLToPath(new URL('../environments/auth0-tutorial', import.meta.url));

export interface Environment {
  dir: string;
  tenant: Tenant;
}

export function loadEnvironment(dir: string = DEFAULT_ENVIRONMENT): Environment {
  const root = resolve(dir);
  const tenantFile = join(root, 'tenant.yaml');
  if (!existsSync(tenantFile)) {
    throw new SandboxError('ERR_SANDBOX_DEFINITION', `${root} is not an environment folder: it has no tenant.yaml. Start from environments/auth0-tutorial.`);
  }
  return { dir: root, tenant: loadTenant(tenantFile) };
}
