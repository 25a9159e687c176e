/**
 * mock-core as a process of its own, where DIAL Core would run (compose.lite.yaml): its settings come as
 * Core's do, from the file AIDIAL_SETTINGS names (optional) and `aidial.*` environment variables, with its
 * dynamic config from their `config.files` (docs/dial-core.md#static-settings, docs/dial-core.md#env-overlay). SANDBOX_HOST and SANDBOX_CORE_PORT
 * say where it listens, SANDBOX_STATE_DIR where the storage API keeps resources; SANDBOX_CONTROL_TOKEN, if
 * set, is the token its /__control endpoints then want.
 */
import { controlTokenFrom, exposureWarning } from '../common/exposure.ts';
import { runService } from '../common/run-service.ts';
import { createCore } from './core.ts';
import { CORE_DEFAULTS } from './defaults.ts';
import { loadStaticSettings } from './settings.ts';

await runService('mock-core', async (env) => {
  const host = env.SANDBOX_HOST ?? CORE_DEFAULTS.host;
  const controlToken = controlTokenFrom(env.SANDBOX_CONTROL_TOKEN);
  const core = await createCore({
    settings: loadStaticSettings({ file: env.AIDIAL_SETTINGS, env }),
    host,
    port: Number(env.SANDBOX_CORE_PORT ?? CORE_DEFAULTS.port),
    stateDir: env.SANDBOX_STATE_DIR,
    controlToken,
  });
  return { description: `${core.url} (DIAL Core ${CORE_DEFAULTS.version}'s API)`, stop: core.stop, exposure: exposureWarning(host, ['core'], controlToken) };
});
