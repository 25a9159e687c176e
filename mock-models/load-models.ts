/** models.yaml → the stub models' definitions, every problem reported at once with its path and line. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { SandboxError, type Problem } from '../common/sandbox-error.ts';
import { readYamlFile } from '../common/yaml-file.ts';
import { modelsFileSchema, type ModelDefinition } from './definition.ts';

/** The stub models of an environment folder: those of its models.yaml, none without one. */
export function loadEnvironmentModels(environmentDir: string): ModelDefinition[] {
  const file = join(environmentDir, 'models.yaml');
  return existsSync(file) ? loadModels(file) : [];
}

export function loadModels(file: string): ModelDefinition[] {
  const problems: Problem[] = [];
  const { data } = readYamlFile(file, modelsFileSchema, problems);
  if (!data || problems.length) {
    throw new SandboxError('ERR_SANDBOX_DEFINITION', `The models file has ${problems.length} problem(s):`, problems);
  }
  return Object.entries(data.models).map(([name, model]) => ({ name, ...model }));
}
