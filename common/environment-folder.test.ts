import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { DEFAULT_ENVIRONMENT, environmentFolder } from './environment-folder.ts';

describe('environmentFolder', () => {
  it('finds the default environment from the sources', () => {
    expect(environmentFolder()).toBe(DEFAULT_ENVIRONMENT);
    expect(DEFAULT_ENVIRONMENT).toMatch(/environments[/\\]auth0-tutorial$/);
  });

  it('says what a folder without tenant.yaml is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'not-an-environment-'));
    expect(() => environmentFolder(dir)).toThrow(`${dir} is not an environment folder: it has no tenant.yaml.`);
  });
});
