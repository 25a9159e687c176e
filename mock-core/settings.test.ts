import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { CoreStartupError } from './errors.ts';
import { loadStaticSettings } from './settings.ts';
import { convertValue, vertxEnvSettings } from './vertx-env.ts';

const provider = { jwksUrl: 'http://idp/.well-known/jwks.json', rolePath: 'dial_roles' };

function settingsFile(value: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'settings-')), 'aidial.settings.json');
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
}

function startupError(sources: Parameters<typeof loadStaticSettings>[0]): CoreStartupError {
  try {
    loadStaticSettings(sources);
  } catch (error) {
    if (error instanceof CoreStartupError) return error;
    throw error;
  }
  throw new Error('expected Core to refuse to start');
}

// docs/dial-core.md#static-settings, docs/dial-core.md#env-overlay,
// docs/dial-core.md#identity-provider-settings.
describe('Core static settings', () => {
  it("converts environment values as Vert.x does: booleans, numbers, JSON objects and arrays, comma lists", () => {
    expect(convertValue('TRUE')).toBe(true);
    expect(convertValue('600000')).toBe(600_000);
    expect(convertValue('["/opt/config/config.json"]')).toEqual(['/opt/config/config.json']);
    expect(convertValue('{"a":1}')).toEqual({ a: 1 });
    expect(convertValue('1,2')).toEqual([1, 2]);
    expect(convertValue('a,b')).toBe('a,b'); // "[a,b]" is not JSON
    expect(convertValue('/opt/config/config.json')).toBe('/opt/config/config.json');
  });

  it('turns aidial.* and proxy.* variables into nested settings, aidial. winning, other names ignored', () => {
    expect(vertxEnvSettings({
      'aidial.identityProviders.auth0.jwksUrl': 'https://t/.well-known/jwks.json',
      'proxy.identityProviders.auth0.rolePath': 'old',
      'aidial.identityProviders.auth0.rolePath': 'dial_roles',
      'aidail.typo': 'ignored',
      PATH: '/usr/bin',
    })).toEqual({ identityProviders: { auth0: { jwksUrl: 'https://t/.well-known/jwks.json', rolePath: 'dial_roles' } } });
  });

  it('merges the defaults, the AIDIAL_SETTINGS file and the environment, in that order', () => {
    const file = settingsFile({ config: { files: ['a.json'] }, identityProviders: { auth0: { ...provider, loggingKey: 'sub', loggingSalt: 's' } } });
    const settings = loadStaticSettings({ file, env: { 'aidial.config.reload': '5000', 'aidial.identityProviders.auth0.rolePath': '["a.b","c"]' } });
    expect(settings.configFiles).toEqual(['a.json']);
    expect(settings.configReloadMs).toBe(5000);
    expect(settings.identityProviders[0]).toMatchObject({ name: 'auth0', rolePath: ['a.b', 'c'], loggingKey: 'sub', positiveCacheExpirationMs: 600_000, negativeCacheExpirationMs: 10_000 });
  });

  it.each([
    ['no identity provider', { overrides: {} }, 'At least one identity provider is required', 'identityProviders'],
    ['a provider with neither jwksUrl nor userInfoEndpoint', { overrides: { identityProviders: { x: { rolePath: 'r' } } } }, 'Either jwksUrl or userinfoEndpoint must be provided or disableJwtVerification is set to true', 'identityProviders.x'],
    ['a provider with both', { overrides: { identityProviders: { x: { ...provider, userInfoEndpoint: 'https://u' } } } }, 'Either jwksUrl', 'identityProviders.x'],
    ['no rolePath', { overrides: { identityProviders: { x: { jwksUrl: 'https://t/j' } } } }, 'rolePath is missed', 'identityProviders.x.rolePath'],
    ['loggingKey without loggingSalt', { overrides: { identityProviders: { x: { ...provider, loggingKey: 'sub' } } } }, 'loggingSalt is missed', 'identityProviders.x.loggingSalt'],
    ["the tutorial's literal ${auth0_domain_name} pattern", { overrides: { identityProviders: { x: { ...provider, issuerPattern: '^https:\\/\\/${auth0_domain_name}\\.eu\\.auth0\\.com.*$' } } } }, 'Illegal repetition', 'identityProviders.x.issuerPattern'],
    ['config.files as a bare path', { overrides: { identityProviders: { x: provider } }, env: { 'aidial.config.files': '/opt/config/config.json' } }, 'cannot be cast to class io.vertx.core.json.JsonArray', 'config.files'],
    ['a jwksUrl without a scheme', { overrides: { identityProviders: { x: { ...provider, jwksUrl: 'tenant.auth0.com/.well-known/jwks.json' } } } }, 'no protocol', 'identityProviders.x.jwksUrl'],
  ])('refuses to start with %s, naming the key', (_case, sources, message, key) => {
    const error = startupError(sources as never);
    expect(error.message).toContain(message);
    expect(error.key).toBe(key);
  });

  it("starts with the tutorial's triple-slash jwksUrl, as Core does (it fails later, at the first token)", () => {
    const settings = loadStaticSettings({ overrides: { identityProviders: { auth0: { ...provider, jwksUrl: 'https:///tenant.eu.auth0.com/.well-known/jwks.json' } } } });
    expect(settings.identityProviders[0]!.jwksUrl).toBe('https:///tenant.eu.auth0.com/.well-known/jwks.json');
  });

  it('compiles issuerPattern as a full match, and only for JWT providers', () => {
    const [p] = loadStaticSettings({ overrides: { identityProviders: { x: { ...provider, issuerPattern: 'https://t/' } } } }).identityProviders;
    expect(p!.issuerPattern!.test('https://t/')).toBe(true);
    expect(p!.issuerPattern!.test('https://t/x')).toBe(false);
    const [u] = loadStaticSettings({ overrides: { identityProviders: { y: { userInfoEndpoint: 'https://u', rolePath: 'r', issuerPattern: '${bad}' } } } }).identityProviders;
    expect(u!.issuerPattern).toBeUndefined();
  });

  it('reports a settings file that is not JSON', () => {
    expect(startupError({ file: settingsFile('{ "config": { } ') }).message).toContain('is not valid JSON');
  });
});
