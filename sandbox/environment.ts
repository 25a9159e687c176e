/** An environment folder (environments/<name>/): what it holds, loaded and validated. */
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

import { DEFAULT_ENVIRONMENT, environmentFolder } from '../common/environment-folder.ts';
import { SandboxError, type Problem } from '../common/sandbox-error.ts';
import type { Tenant } from '../mock-idp/tenant.ts';
import { ConfigLoadError, loadDynamicConfig } from '../mock-core/config.ts';
import { CoreStartupError } from '../mock-core/errors.ts';
import { MODELS_DEFAULTS } from '../mock-models/defaults.ts';
import { loadStaticSettings, type StaticSettings } from '../mock-core/settings.ts';
import type { ModelDefinition } from '../mock-models/definition.ts';
import { loadEnvironmentModels } from '../mock-models/load-models.ts';
import { loadTenant } from '../mock-idp/load-tenant.ts';

export interface Environment {
  dir: string;
  tenant: Tenant;
  /** The stub models of models.yaml; none when the folder has no models.yaml. */
  models: ModelDefinition[];
  /** DIAL Core's static settings from core/aidial.settings.json (and `aidial.*` variables), if the folder has them. */
  core?: { settings: StaticSettings; dir: string };
}

export function loadEnvironment(dir: string = DEFAULT_ENVIRONMENT): Environment {
  const root = environmentFolder(dir);
  // Every file is checked, so one run reports the problems of all of them.
  const problems: Problem[] = [];
  const tenant = collecting(problems, () => loadTenant(join(root, 'tenant.yaml')));
  const models = collecting(problems, () => loadEnvironmentModels(root));
  const core = collecting(problems, () => loadCoreSettings(join(root, 'core')));
  if (core) problems.push(...checkCoreConfig(core, models));
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
    throw new SandboxError('ERR_SANDBOX_DEFINITION', 'DIAL Core would not start with these settings:', [{ file: relative(process.cwd(), file), path: error.key ? `$.${error.key}` : '$', message: `DIAL Core would not start: ${error.reason}` }]);
  }
}

/** Core's dynamic config as Core would load it, and its models' endpoints against the stub models. */
function checkCoreConfig(core: NonNullable<Environment['core']>, models: ModelDefinition[] | undefined): Problem[] {
  const files = core.settings.configFiles.map((f) => resolve(core.dir, f));
  let config;
  try {
    config = loadDynamicConfig(files);
  } catch (error) {
    if (!(error instanceof ConfigLoadError)) throw error;
    return [{ file: relative(process.cwd(), error.file ?? files.join(', ')), path: '$', message: `DIAL Core would not start: ${error.reason}`, line: error.line, column: error.column }];
  }
  if (!models) return []; // models.yaml has problems of its own, already reported
  const stubs = new Set(models.map((m) => m.name));
  const problems: Problem[] = [];
  for (const model of config.models.values()) {
    const name = stubDeploymentOf(model.endpoint);
    if (name !== undefined && !stubs.has(name)) {
      problems.push({
        file: relative(process.cwd(), files.join(', ')),
        path: `$.models.${model.name}.endpoint`,
        message: `${model.endpoint} names the stub model "${name}", which models.yaml does not define; the stubs are: ${[...stubs].join(', ') || 'none'}`,
      });
    }
  }
  return problems;
}

/** The stub model an endpoint at mock-models' default address names, if it is one. */
function stubDeploymentOf(endpoint: string | undefined): string | undefined {
  if (!endpoint || !URL.canParse(endpoint)) return undefined;
  const url = new URL(endpoint);
  if (!['localhost', '127.0.0.1'].includes(url.hostname) || url.port !== String(MODELS_DEFAULTS.port)) return undefined;
  return /^\/(?:v1\/)?openai\/deployments\/([^/]+)\//.exec(url.pathname)?.[1];
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
