import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { createMemoryLogger } from '../common/log.ts';
import { ConfigStore } from './config-store.ts';
import { ConfigLoadError, loadDynamicConfig, UNLIMITED } from './config.ts';
import { UNLIMITED_COST } from './limits/cost.ts';

function files(...contents: string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'config-'));
  return contents.map((content, i) => {
    const file = join(dir, `config-${i}.json`);
    writeFileSync(file, content);
    return file;
  });
}

function loadError(...contents: string[]): string {
  try {
    loadDynamicConfig(files(...contents));
  } catch (error) {
    if (error instanceof ConfigLoadError) return error.message;
    throw error;
  }
  throw new Error('expected the config to be refused');
}

const model = (extra = '') => `{"type": "chat", "endpoint": "http://m/chat"${extra}}`;

// docs/dial-core.md#config-loading, docs/dial-core.md#config-shape, docs/dial-core.md#malformed-config,
// docs/dial-core.md#api-keys.
describe('Core dynamic settings', () => {
  it('binds models, keys, roles and limits, with aliases, string numbers and Core defaults', () => {
    const config = loadDynamicConfig(files(JSON.stringify({
      models: { m: { type: 'Chat', endpoint: 'http://m', user_roles: ['a'], upstreams: [{ endpoint: 'http://u', key: 'k', extraData: { x: 1 } }] } },
      keys: { k1: { project: 'p', role: 'a', roles: ['b'] } },
      roles: { a: { limits: { m: { minute: '100', requestDay: 5 } } }, empty: {} },
    })));
    expect(config.models.get('m')).toMatchObject({ type: 'chat', userRoles: ['a'], maxRetryAttempts: 5, forwardAuthToken: false, upstreams: [{ endpoint: 'http://u', key: 'k', extraData: '{"x":1}', weight: 1, tier: 0 }] });
    expect(config.keys.get('k1')).toEqual({ project: 'p', roles: ['b', 'a'] });
    expect(config.roles.get('a')!.get('m')).toEqual({ minute: 100, day: UNLIMITED, week: UNLIMITED, month: UNLIMITED, requestHour: UNLIMITED, requestDay: 5 });
    expect(config.roles.get('empty')).toBeUndefined();
  });

  it('binds pricing and cost budgets in nano-dollars, unset budget fields unlimited, and refuses a price that is no number', () => {
    const config = loadDynamicConfig(files(JSON.stringify({
      models: { m: { type: 'chat', endpoint: 'http://m', pricing: { unit: 'token', prompt: '0.001', completion: '0.002' } } },
      roles: { a: { costLimit: { minute: '0.10', day: 10 } }, b: { limits: {} } },
    })));
    expect(config.models.get('m')!.pricing).toEqual({ unit: 'token', prompt: 1_000_000, completion: 2_000_000 });
    expect(config.costLimits.get('a')).toEqual({ minute: 100_000_000, day: 10_000_000_000, week: UNLIMITED_COST, month: UNLIMITED_COST });
    expect(config.costLimits.has('b')).toBe(false);
    expect(() => loadDynamicConfig(files(JSON.stringify({ roles: { a: { costLimit: { day: 'ten dollars' } } } })))).toThrow(/roles\.a\.costLimit\.day: "ten dollars" is not a valid number/);
    // Core 0.25's DoubleStringDeserializer: a price is a JSON string, and a bare number fails the load.
    expect(() => loadDynamicConfig(files(JSON.stringify({ models: { m: { type: 'chat', endpoint: 'http://m', pricing: { prompt: 0.001 } } } })))).toThrow(/models\.m\.pricing\.prompt: Expected a JSON string/);
  });

  it('deep-merges the files in order, concatenating arrays', () => {
    const config = loadDynamicConfig(files(
      `{"models": {"m": ${model(', "userRoles": ["a"]')}}, "retriableErrorCodes": [500]}`,
      '{"models": {"m": {"userRoles": ["b"]}, "n": ' + model() + '}, "retriableErrorCodes": [501]}',
    ));
    expect(config.models.get('m')!.userRoles).toEqual(['a', 'b']);
    expect([...config.models.keys()]).toEqual(['m', 'n']);
    expect(config.retriableErrorCodes).toEqual([500, 501]);
  });

  it('ignores unknown keys at the top level (removed sections such as addons load silently)', () => {
    expect(loadDynamicConfig(files(`{"addons": {"x": {}}, "assistant": {}, "models": {"m": ${model()}}}`)).models.size).toBe(1);
  });

  it.each([
    ['a comment', `{ // models\n "models": {} }`, 'JsonParseException'],
    ['a trailing comma', `{"models": {"m": ${model()},}}`, 'JsonParseException'],
    ['single quotes', `{'models': {}}`, 'JsonParseException'],
    ["the tutorial's bare fragment", `"models": {"chat-gpt-35-turbo": ${model()}}`, 'JsonParseException'],
    ['an array at the root', '[]', 'MismatchedInputException'],
    ['an unknown key inside a model', `{"models": {"m": ${model(', "colour": "blue"')}}}`, 'Unrecognized field "colour"'],
    ['an unknown key inside a limit', '{"roles": {"r": {"limits": {"m": {"minute": 1, "hour": 2}}}}}', 'Unrecognized field "hour"'],
    ['an unknown key inside an upstream', `{"models": {"m": ${model(', "upstreams": [{"endpoint": "http://u", "secret": "x"}]')}}}`, 'Unrecognized field "secret"'],
    ['a key without a role', '{"keys": {"k": {"project": "p"}}}', 'at least one role must be assigned'],
    ['a key without a project', '{"keys": {"k": {"role": "r"}}}', 'MismatchedInputException'],
    ['a route path that is not a valid regular expression', '{"routes": {"r": {"paths": ["/a/(b"]}}}', 'routes.r.paths'],
  ])('refuses %s, as Jackson does', (_case, content, message) => {
    expect(loadError(content)).toContain(message);
  });

  it('reports where a syntax error is, by line and column', () => {
    expect(loadError('{\n  "models": {\n    "m": 1,\n  }\n}')).toMatch(/line: 4, column: \d+/);
  });

  it('takes null as "not set", as Jackson does (userRoles: null is open to everyone)', () => {
    const config = loadDynamicConfig(files(`{"models": {"m": ${model(', "userRoles": null, "upstreams": null')}}}`));
    expect(config.models.get('m')!.userRoles).toBeUndefined();
  });

  it('keeps the previous config when a reload fails, and says why in the log', () => {
    const [file] = files(`{"models": {"m": ${model()}}}`);
    const log = createMemoryLogger('mock-core');
    const store = new ConfigStore({ files: [file!], reloadMs: 60_000 }, log);
    writeFileSync(file!, `{"models": {"m": ${model()}, "n": ${model()},}}`);
    expect(store.reload()).toBe(false);
    expect([...store.current.models.keys()]).toEqual(['m']);
    expect(log.lines[0]).toContain('Failed to reload config');
    writeFileSync(file!, `{"models": {"m": ${model()}, "n": ${model()}}}`);
    expect(store.reload()).toBe(true);
    expect([...store.current.models.keys()]).toEqual(['m', 'n']);
    store.close();
  });
});
