import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import type { Action, Tenant } from '../../mock-idp/tenant.ts';
import { tutorialTenant } from './idp.ts';

/** An Action from test/fixtures/actions/<name>.js. */
export function fixtureAction(name: string, secrets: Record<string, string> = {}, dependencies: string[] = []): Action {
  const file = fileURLToPath(new URL(`../fixtures/actions/${name}.js`, import.meta.url));
  const modulesDir = fileURLToPath(new URL('../fixtures/node_modules', import.meta.url));
  return { name, file, code: readFileSync(file, 'utf8'), secrets, dependencies: dependencies.map((d) => ({ name: d })), modulesDir };
}

/** The tutorial tenant with these Actions bound to Post-Login after the tutorial's own, then `edit`. */
export function tenantWithActions(actions: Action[], edit?: (tenant: Tenant) => void): Tenant {
  return tutorialTenant((t) => {
    t.post_login_actions.push(...actions);
    edit?.(t);
  });
}
