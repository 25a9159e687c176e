/** Test helpers for mock-models: the default environment's stub models on a free port. */
import { createMemoryLogger } from '../../common/log.ts';
import type { ModelDefinition } from '../../mock-models/definition.ts';
import { createModels, type Models } from '../../mock-models/models.ts';
import { loadEnvironment } from '../../sandbox/environment.ts';

export async function startTestModels(extra: ModelDefinition[] = []): Promise<Models> {
  const { models } = loadEnvironment();
  return createModels({ models: [...models, ...extra], port: 0, log: createMemoryLogger('mock-models') });
}

export const TUTORIAL_KEY = 'modelKey1';
