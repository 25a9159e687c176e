/** An environment folder (environments/<name>/): what it holds, loaded and validated. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { Tenant } from '../mock-idp/tenant.ts';
import { CoreStartupError } from '../mock-core/errors.ts';
import { loadStaticSettings, type StaticSettings } from '../mock-core/settings.ts';
import type { ModelDefinition } from '../mock-models/definition.ts';
import { SandboxError, type Problem } from './errors.ts';
import { loadModels } from './load-models.ts';
import { loadTenant } from './load-tenant.ts';

/** The environment `npm start` runs: the Auth0 tutorial, made runnable (found from sources and from dist/). */
export const DEFAULT_ENVIRONMENT = [new URL('../environments/auth0-tutorial', import.meta.url), new URL('../../environments/auth0-tutorial', import.meta.url)]
  .map((url) => fileURLToPath(url))
  .find((dir) => existsSync(dir))!;

export interface Environment {
  dir: string;
  tenant: Tenant;
  /** The stub models of models.yaml; none when the folder has no models.yaml. */
  models: ModelDefinition[];
  /** DIAL Core's static settings from core/aidial.settings.json (and `aidial.*` variables), if the folder has them. */
  core?: { settings: StaticSettings; dir: string };
}

export function loadEnvironment(dir: string = DEFAULT_ENVIRONMENT): Environment {
  const root = resolve(dir);
  const tenantFile = join(root, 'tenant.yaml');
  if (!existsSync(tenantFile)) {
    throw new SandboxError('ERR_SANDBOX_DEFINITION', `${root} is not an environment folder: it has no tenant.yaml. Start from environments/auth0-tutorial.`);
  }
  const modelsFile = join(root, 'models.yaml');
  // Every file is checked, so one run reports the problems of all of them.
  const problems: Problem[] = [];
  const tenant = collecting(problems, () => loadTenant(tenantFile));
  const models = existsSync(modelsFile) ? collecting(problems, () => loadModels(modelsFile)) : [];
  const core = collecting(problems, () => loadCoreSettings(join(root, 'core')));
  if (!tenant || !models || problems.length) {
    throw new SandboxError('ERR_SANDBOX_DEFINITION', `The environment ${root} has ${problems.length} problem(s):`, problems);
  }
  return { dir: root, tenant, models, core };
}

/**
 * Core's settings, read with Core's rules: the file AIDIAL_SETTINGS names, else the folder's
 * core/aidial.settings.json; the process's `aidial.*` variables apply on top. Relative `config.files` are
 * found beside that file.
 */
function loadCoreSettings(dir: string): Environment['core'] {
  const file = process.env.AIDIAL_SETTINGS ? resolve(process.env.AIDIAL_SETTINGS) : join(dir, 'aidial.settings.json');
  if (!existsSync(file)) return undefined;
  try {
    return { settings: loadStaticSettings({ file, env: process.env }), dir: dirname(file) };
  } catch (error) {
    if (!(error instanceof CoreStartupError)) throw error;
    throw new SandboxError('ERR_SANDBOX_DEFINITION', 'DIAL Core would not start with these settings:', [{ file, path: error.key ? `$.${error.key}` : '$', message: error.message }]);
  }
}

function collecting<T>(problems: Problem[], load: () => T): T | undefined {
  try {
    return load();
  } catch (error) {
    if (!(error instanceof SandboxError)) throw error;
    problems.push(...error.problems);
    return undefined;
  }
}
