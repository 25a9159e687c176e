/**
 * mock-models as a process of its own (the compose service): SANDBOX_ENV (the environment folder, of which
 * it reads models.yaml only), SANDBOX_HOST, SANDBOX_MODELS_PORT; SANDBOX_CONTROL_TOKEN, if set, is the token
 * every /__control endpoint then wants.
 */
import { environmentFolder } from '../common/environment-folder.ts';
import { controlTokenFrom, exposureWarning } from '../common/exposure.ts';
import { runService } from '../common/run-service.ts';
import { MODELS_DEFAULTS } from './defaults.ts';
import { loadEnvironmentModels } from './load-models.ts';
import { createModels } from './models.ts';

await runService('mock-models', async (env) => {
  const host = env.SANDBOX_HOST ?? MODELS_DEFAULTS.host;
  const controlToken = controlTokenFrom(env.SANDBOX_CONTROL_TOKEN);
  const models = await createModels({
    models: loadEnvironmentModels(environmentFolder(env.SANDBOX_ENV)),
    host,
    port: Number(env.SANDBOX_MODELS_PORT ?? MODELS_DEFAULTS.port),
    controlToken,
  });
  return { description: `${models.url} (${models.definitions.map((m) => m.name).join(', ')})`, stop: models.stop, exposure: exposureWarning(host, ['models'], controlToken) };
});
