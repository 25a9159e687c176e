/** mock-models as a process of its own (the compose service): SANDBOX_ENV, SANDBOX_HOST, SANDBOX_MODELS_PORT. */
import { loadEnvironment } from '../sandbox/environment.ts';
import { runService } from '../sandbox/run-service.ts';
import { MODELS_DEFAULTS } from './defaults.ts';
import { createModels } from './models.ts';

await runService('mock-models', async (env) => {
  const models = await createModels({
    models: loadEnvironment(env.SANDBOX_ENV).models,
    host: env.SANDBOX_HOST ?? MODELS_DEFAULTS.host,
    port: Number(env.SANDBOX_MODELS_PORT ?? MODELS_DEFAULTS.port),
  });
  return { description: `${models.url} (${models.definitions.map((m) => m.name).join(', ')})`, stop: models.stop };
});
