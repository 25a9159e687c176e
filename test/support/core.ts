/** Test helpers for mock-core: the default environment's Core files, pointed at a test IdP and test models. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Clock } from '../../common/clock.ts';
import type { JsonObject } from '../../mock-core/json-merge.ts';
import { loadStaticSettings } from '../../mock-core/settings.ts';
import { DEFAULT_ENVIRONMENT } from '../../common/environment-folder.ts';
import { startCore } from './core-alone.ts';
import { startTestIdp } from './idp.ts';
import { startTestModels } from './models.ts';

const CORE_DIR = join(DEFAULT_ENVIRONMENT, 'core');

export interface TestCoreOptions {
  /** The IdP whose JWKS Core reads (its http URL). */
  idpUrl: string;
  /** Where the stub models run, in place of the config's http://localhost:7001. */
  modelsUrl: string;
  clock?: Clock;
  /** Changes to the dynamic config, applied to the parsed file. */
  editConfig?: (config: JsonObject) => void;
}

function startTestCore(options: TestCoreOptions) {
  const settings = loadStaticSettings({
    file: join(CORE_DIR, 'aidial.settings.json'),
    overrides: { identityProviders: { auth0: { jwksUrl: `${options.idpUrl}/.well-known/jwks.json` } } },
  });
  const config = JSON.parse(readFileSync(join(CORE_DIR, 'aidial.config.json'), 'utf8').replaceAll('http://localhost:7001', options.modelsUrl)) as JsonObject;
  options.editConfig?.(config);
  return startCore(settings, config, options.clock);
}

/** The three services of the tutorial, started for one test file: the IdP, the stub models, and Core between. */
export async function startTutorialServices(options: Omit<TestCoreOptions, 'idpUrl' | 'modelsUrl'> & { jwksOverHttps?: boolean } = {}) {
  const idp = await startTestIdp();
  const models = await startTestModels();
  const core = await startTestCore({ ...options, idpUrl: options.jwksOverHttps ? idp.httpsUrl : idp.httpUrl, modelsUrl: models.url });
  return { idp, models, core, stop: () => Promise.all([core.stop(), models.stop(), idp.stop()]).then(() => undefined) };
}
