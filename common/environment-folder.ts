/** An environment folder (environments/<name>/), found the same way by the sandbox and by each service's main. */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { SandboxError } from './sandbox-error.ts';

/** The environment `npm start` runs: the Auth0 tutorial, made runnable (found from sources and from dist/). */
export const DEFAULT_ENVIRONMENT = [new URL('../environments/auth0-tutorial', import.meta.url), new URL('../../environments/auth0-tutorial', import.meta.url)]
  .map((url) => fileURLToPath(url))
  .find((dir) => existsSync(dir))!;

/** The folder's absolute path; a folder without tenant.yaml is refused, whichever of its files the caller reads. */
export function environmentFolder(dir: string = DEFAULT_ENVIRONMENT): string {
  const root = resolve(dir);
  if (!existsSync(join(root, 'tenant.yaml'))) {
    throw new SandboxError('ERR_SANDBOX_DEFINITION', `${root} is not an environment folder: it has no tenant.yaml. Start from environments/auth0-tutorial.`);
  }
  return root;
}
