import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { DEFAULT_ENVIRONMENT } from '../common/environment-folder.ts';
import { SandboxError } from '../common/sandbox-error.ts';
import { loadEnvironmentModels, loadModels } from './load-models.ts';

function modelsFile(yaml: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'models-')), 'models.yaml');
  writeFileSync(file, yaml);
  return file;
}

describe('loadModels', () => {
  it('loads the default environment: the tutorial model with its upstream key, echoing', () => {
    const models = loadEnvironmentModels(DEFAULT_ENVIRONMENT);
    expect(models.find((m) => m.name === 'gpt-35-turbo')).toEqual({ name: 'gpt-35-turbo', kind: 'chat', upstreamKey: 'modelKey1', reply: { kind: 'echo' }, fault: undefined, dimensions: 8 });
    expect(models.find((m) => m.name === 'gpt-4')!.reply).toEqual({ kind: 'text', text: 'Hello from the stub gpt-4.' });
  });

  it('takes every reply kind, faults, and a model with no settings at all', () => {
    const models = loadModels(modelsFile(`
models:
  plain:
  fixed: { reply: { text: "ok" } }
  scripted: { reply: { sequence: [a, b] }, fault: { latencyMs: 5, times: 1 } }
`));
    expect(models.map((m) => [m.name, m.reply, m.fault])).toEqual([
      ['plain', { kind: 'echo' }, undefined],
      ['fixed', { kind: 'text', text: 'ok' }, undefined],
      ['scripted', { kind: 'sequence', texts: ['a', 'b'] }, { latencyMs: 5, times: 1 }],
    ]);
  });

  it('reports every problem at once with its path and line', () => {
    const file = modelsFile(`
models:
  good: {}
  bad-reply: { reply: { txt: "typo" } }
  bad-fault: { fault: { status: 200, lag: 1 } }
  "bad name!": {}
`);
    let error: SandboxError | undefined;
    try {
      loadModels(file);
    } catch (e) {
      error = e as SandboxError;
    }
    expect(error?.problems.map((p) => [p.path, p.line])).toEqual([
      ['$.models.bad-reply.reply', 4],
      ['$.models.bad-fault.fault.status', 5],
      ['$.models.bad-fault.fault', 5],
      ['$.models.bad name!', 6],
    ]);
  });
});
