import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { DEFAULT_ENVIRONMENT } from '../common/environment-folder.ts';
import { SandboxError } from '../common/sandbox-error.ts';
import { loadEnvironment } from './environment.ts';

/** A copy of the default environment, changed by `edit(dir)`. */
function environmentWith(edit: (dir: string) => void): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'env-')), 'env');
  cpSync(DEFAULT_ENVIRONMENT, dir, { recursive: true });
  edit(dir);
  return dir;
}

function problemsOf(dir: string) {
  try {
    loadEnvironment(dir);
  } catch (error) {
    expect(error).toBeInstanceOf(SandboxError);
    return (error as SandboxError).problems;
  }
  throw new Error('expected the environment to be refused');
}

describe('loadEnvironment', () => {
  it('reports the problems of every file at once: tenant, models and Core config (with line and column)', () => {
    const dir = environmentWith((d) => {
      writeFileSync(join(d, 'tenant.yaml'), readFileSync(join(d, 'tenant.yaml'), 'utf8').replace('roles: [auth0-role-name]', 'roles: [auditor]'));
      writeFileSync(join(d, 'models.yaml'), 'models:\n  gpt-35-turbo: { reply: { txt: x } }\n');
      writeFileSync(join(d, 'core', 'aidial.config.json'), '{\n  "models": {\n    "m": {"type": "chat"},\n  }\n}\n');
    });
    const problems = problemsOf(dir);
    expect(problems.map((p) => [p.file.split('/').pop(), p.path])).toEqual([
      ['tenant.yaml', '$.users[0].roles[0]'],
      ['models.yaml', '$.models.gpt-35-turbo.reply'],
      ['aidial.config.json', '$'],
    ]);
    const coreProblem = problems[2];
    expect(coreProblem).toMatchObject({ line: 4, column: expect.any(Number) });
    expect(coreProblem!.message).toMatch(/^DIAL Core would not start: com.fasterxml.jackson.core.JsonParseException/);
  });

  it('reports a Core model whose endpoint names a stub model that models.yaml does not define', () => {
    const dir = environmentWith((d) => {
      const config = JSON.parse(readFileSync(join(d, 'core', 'aidial.config.json'), 'utf8'));
      config.models['gpt-5'] = { type: 'chat', endpoint: 'http://localhost:7001/v1/openai/deployments/gpt-5/chat/completions' };
      writeFileSync(join(d, 'core', 'aidial.config.json'), JSON.stringify(config));
    });
    const [problem] = problemsOf(dir);
    expect(problem).toMatchObject({ path: '$.models.gpt-5.endpoint' });
    expect(problem!.message).toContain('names the stub model "gpt-5", which models.yaml does not define; the stubs are: gpt-35-turbo, gpt-4, text-embedding-3-small');
  });

  it('reports Core settings Core would not start with, naming the key', () => {
    const dir = environmentWith((d) => {
      const settings = JSON.parse(readFileSync(join(d, 'core', 'aidial.settings.json'), 'utf8'));
      delete settings.identityProviders.auth0.rolePath;
      writeFileSync(join(d, 'core', 'aidial.settings.json'), JSON.stringify(settings));
    });
    expect(problemsOf(dir)[0]).toMatchObject({ path: '$.identityProviders.auth0.rolePath', message: 'DIAL Core would not start: rolePath is missed' });
  });
});
