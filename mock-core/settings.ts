/**
 * DIAL Core's static settings, read as Core reads them (docs/dial-core.md#static-settings,
 * docs/dial-core.md#identity-provider-settings, docs/dial-core.md#startup-failures): Core's defaults, then
 * the file named by AIDIAL_SETTINGS, then `aidial.*` (and the legacy `proxy.*`) environment variables split
 * on dots with Vert.x's value conversion, deep-merged. A setting Core refuses to start with is a
 * CoreStartupError with Core's message and the offending key.
 */
import { readFileSync } from 'node:fs';

import { CoreStartupError } from './errors.ts';
import { fullMatch, JavaRegexError, javaRegex } from './java-regex.ts';
import { deepMerge, isObject, type JsonObject } from './json-merge.ts';
import { vertxEnvSettings } from './vertx-env.ts';

export interface IdentityProviderSettings {
  name: string;
  jwksUrl?: string;
  disableJwtVerification: boolean;
  userInfoEndpoint?: string;
  /** Full-match pattern on `iss`, consulted only with two or more providers. */
  issuerPattern?: RegExp;
  /** One or more dotted paths; their roles are concatenated. */
  rolePath: string[];
  rolesDelimiter?: RegExp;
  loggingKey?: string;
  loggingSalt?: string;
  obfuscateUserEmail: boolean;
  positiveCacheExpirationMs: number;
  negativeCacheExpirationMs: number;
  audience?: string;
  projectPath?: string;
  userDisplayName?: string;
}

export interface StaticSettings {
  identityProviders: IdentityProviderSettings[];
  configFiles: string[];
  configReloadMs: number;
  /** Core's HTTP client to upstreams: `client.connectTimeout` and `client.idleTimeout`, in ms. */
  client: { connectMs: number; idleMs: number };
  /** `server.port`. */
  port: number;
  /** `server.compressionSupported` (on in Core's defaults): answers gzip- or deflate-encoded when asked for. */
  compression: boolean;
  /** What the storage API needs (docs/dial-core.md#bucket-encryption, docs/dial-core.md#resource-access). */
  storage: StorageSettings;
  /** The merged tree, for `doctor` and for keys the emulator accepts without using (redis, encryption, storage). */
  raw: JsonObject;
}

export interface StorageSettings {
  /** `encryption.secret` and `encryption.key`: bucket names are encrypted under them. */
  encryption: { secret: string; key: string };
  /** `resources.maxSize`: the largest resource, and the largest request body, in bytes. */
  maxSize: number;
  /** `storage.maxUploadedFileSize`: the largest multipart upload, in bytes. */
  maxUploadedFileSize: number;
  /** `access.admin.rules`: who sees and changes every bucket. */
  adminRules: AdminRule[];
  /** `resources.heartbeatPeriod`: how often a subscription's stream says it is alive. */
  heartbeatMs: number;
  /** `invitations.ttlInSeconds`, in ms: how long a share's invitation link can be accepted. */
  invitationTtlMs: number;
}

/** One of Core's access rules (Rule.java): `function` over the caller's `roles` or a claim, against `targets`. */
export interface AdminRule {
  function: 'TRUE' | 'FALSE' | 'EQUAL' | 'CONTAIN' | 'REGEX';
  source: string;
  targets: string[];
}

const RULE_FUNCTIONS = new Set(['TRUE', 'FALSE', 'EQUAL', 'CONTAIN', 'REGEX']);

/**
 * Core will not start without `encryption.secret` and `encryption.key`; mock-core starts with these
 * instead, so that settings written for older mock-cores keep working (docs/dial-core.md#bucket-encryption).
 */
export const SANDBOX_ENCRYPTION = { secret: 'dial-sandbox-encryption-secret', key: 'dial-sandbox-encryption-key' };

/** Core's classpath `aidial.settings.json`, the part that matters here. */
export function coreDefaultSettings(): JsonObject {
  return {
    config: { files: [], reload: 60_000 },
    identityProviders: {},
    server: { port: 8080 },
    resources: { maxSize: 67_108_864 },
    access: { admin: { rules: [{ function: 'CONTAIN', source: 'roles', targets: ['admin'] }] } },
  };
}

export interface SettingsSources {
  /** AIDIAL_SETTINGS: a JSON file. */
  file?: string;
  /** The process environment; only `aidial.*` and `proxy.*` names are read. */
  env?: Record<string, string | undefined>;
  /** Settings given as an object (tests, the sandbox), merged after the file and before the environment. */
  overrides?: JsonObject;
}

export function loadStaticSettings(sources: SettingsSources): StaticSettings {
  return parseSettings(mergeStaticSettings(sources));
}

/** The settings tree Core builds before reading it: its defaults, the file, then the environment. */
export function mergeStaticSettings(sources: SettingsSources): JsonObject {
  let merged = coreDefaultSettings();
  if (sources.file) merged = deepMerge(merged, readSettingsFile(sources.file));
  if (sources.overrides) merged = deepMerge(merged, sources.overrides);
  if (sources.env) merged = deepMerge(merged, vertxEnvSettings(sources.env));
  return merged;
}

function readSettingsFile(file: string): JsonObject {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CoreStartupError(`Cannot read the settings file ${file}: ${(error as Error).message}`, 'AIDIAL_SETTINGS');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CoreStartupError(`The settings file ${file} is not valid JSON: ${(error as Error).message}`, 'AIDIAL_SETTINGS');
  }
  if (!isObject(value)) throw new CoreStartupError(`The settings file ${file} must hold a JSON object`, 'AIDIAL_SETTINGS');
  return value;
}

export function parseSettings(raw: JsonObject): StaticSettings {
  const config = isObject(raw.config) ? raw.config : {};
  if (!Array.isArray(config.files)) {
    // Core: settings.getJsonArray("files") on a string, as happens with aidial.config.files=/path/x.json.
    throw new CoreStartupError(`class ${javaTypeOf(config.files)} cannot be cast to class io.vertx.core.json.JsonArray: config.files must be a JSON array, e.g. '["/opt/config/config.json"]'`, 'config.files');
  }
  const providers = isObject(raw.identityProviders) ? raw.identityProviders : {};
  const names = Object.keys(providers);
  if (names.length === 0) throw new CoreStartupError('At least one identity provider is required', 'identityProviders');
  const client = isObject(raw.client) ? raw.client : {};
  const server = isObject(raw.server) ? raw.server : {};
  return {
    identityProviders: names.map((name) => parseProvider(name, providers[name])),
    configFiles: config.files.map(String),
    configReloadMs: positiveMs(config.reload ?? 60_000, 'config.reload'),
    client: { connectMs: positiveMs(client.connectTimeout ?? 10_000, 'client.connectTimeout'), idleMs: positiveMs(client.idleTimeout ?? 300_000, 'client.idleTimeout') },
    port: Number(server.port ?? 8080),
    compression: server.compressionSupported !== false,
    storage: parseStorage(raw),
    raw,
  };
}

function parseStorage(raw: JsonObject): StorageSettings {
  const encryption = isObject(raw.encryption) ? raw.encryption : {};
  if (encryption.password !== undefined || encryption.salt !== undefined) throw new CoreStartupError('Unsupported encryption properties', 'encryption');
  const resources = isObject(raw.resources) ? raw.resources : {};
  const maxSize = Number(resources.maxSize ?? 67_108_864);
  if (!Number.isInteger(maxSize) || maxSize < 0) throw new CoreStartupError(`resources.maxSize must be a whole number of bytes, not ${JSON.stringify(resources.maxSize)}`, 'resources.maxSize');
  const admin = isObject(raw.access) && isObject(raw.access.admin) ? raw.access.admin : {};
  const storage = isObject(raw.storage) ? raw.storage : {};
  const maxUploadedFileSize = Number(storage.maxUploadedFileSize ?? 536_870_912);
  if (!Number.isInteger(maxUploadedFileSize) || maxUploadedFileSize < 0) throw new CoreStartupError(`storage.maxUploadedFileSize must be a whole number of bytes, not ${JSON.stringify(storage.maxUploadedFileSize)}`, 'storage.maxUploadedFileSize');
  const invitations = isObject(raw.invitations) ? raw.invitations : {};
  return {
    heartbeatMs: positiveMs(resources.heartbeatPeriod ?? 60_000, 'resources.heartbeatPeriod'),
    invitationTtlMs: positiveMs(invitations.ttlInSeconds ?? 259_200, 'invitations.ttlInSeconds') * 1000,
    encryption: typeof encryption.secret === 'string' && typeof encryption.key === 'string' ? { secret: encryption.secret, key: encryption.key } : SANDBOX_ENCRYPTION,
    maxSize,
    maxUploadedFileSize,
    adminRules: Array.isArray(admin.rules) ? admin.rules.map(parseRule) : [],
  };
}

/** Core reads the rules with Jackson at start (enum names in any case); one it cannot read stops it. */
function parseRule(value: unknown, index: number): AdminRule {
  const key = `access.admin.rules[${index}]`;
  if (!isObject(value)) throw new CoreStartupError('An access rule must be a JSON object', key);
  const fn = typeof value.function === 'string' ? value.function.toUpperCase() : undefined;
  if (!fn || !RULE_FUNCTIONS.has(fn)) throw new CoreStartupError(`Unknown rule function ${JSON.stringify(value.function)}: one of TRUE, FALSE, EQUAL, CONTAIN, REGEX`, `${key}.function`);
  if (typeof value.source !== 'string') throw new CoreStartupError('A rule needs a source: "roles" or a claim name', `${key}.source`);
  const targets = Array.isArray(value.targets) ? value.targets.map(String) : [];
  return { function: fn as AdminRule['function'], source: value.source, targets };
}

function parseProvider(name: string, value: unknown): IdentityProviderSettings {
  const at = (key: string) => `identityProviders.${name}.${key}`;
  if (!isObject(value)) throw new CoreStartupError('An identity provider must be a JSON object', `identityProviders.${name}`);
  const string = (key: string) => (value[key] === undefined || value[key] === null ? undefined : String(value[key]));
  const jwksUrl = string('jwksUrl');
  const userInfoEndpoint = string('userInfoEndpoint');
  const disableJwtVerification = value.disableJwtVerification === true;
  const supportJwt = jwksUrl !== undefined || disableJwtVerification;
  if (supportJwt === (userInfoEndpoint !== undefined)) {
    throw new CoreStartupError('Either jwksUrl or userinfoEndpoint must be provided or disableJwtVerification is set to true', `identityProviders.${name}`);
  }
  if (jwksUrl !== undefined && !/^[a-z][a-z0-9+.-]*:/i.test(jwksUrl)) throw new CoreStartupError(`no protocol: ${jwksUrl}`, at('jwksUrl'));
  if (userInfoEndpoint !== undefined && !/^[a-z][a-z0-9+.-]*:/i.test(userInfoEndpoint)) throw new CoreStartupError(`no protocol: ${userInfoEndpoint}`, at('userInfoEndpoint'));

  const rolePath = value.rolePath;
  if (rolePath === undefined || rolePath === null) throw new CoreStartupError('rolePath is missed', at('rolePath'));
  const loggingKey = string('loggingKey');
  const loggingSalt = string('loggingSalt');
  if (loggingKey !== undefined && loggingSalt === undefined) throw new CoreStartupError('loggingSalt is missed', at('loggingSalt'));
  // issuerPattern is compiled only where Core compiles it: in the JWT branch.
  const issuerPattern = supportJwt && string('issuerPattern') !== undefined ? compile(string('issuerPattern')!, at('issuerPattern')) : undefined;
  return {
    name,
    jwksUrl,
    disableJwtVerification,
    userInfoEndpoint,
    issuerPattern: issuerPattern && fullMatch(issuerPattern),
    rolePath: (Array.isArray(rolePath) ? rolePath : [rolePath]).map(String),
    rolesDelimiter: string('rolesDelimiter') === undefined ? undefined : compile(string('rolesDelimiter')!, at('rolesDelimiter')),
    loggingKey,
    loggingSalt,
    obfuscateUserEmail: value.obfuscateUserEmail !== false,
    positiveCacheExpirationMs: Number(value.positiveCacheExpirationMs ?? 600_000),
    negativeCacheExpirationMs: Number(value.negativeCacheExpirationMs ?? 10_000),
    audience: string('audience'),
    projectPath: string('projectPath'),
    userDisplayName: string('userDisplayName'),
  };
}

function compile(pattern: string, key: string): RegExp {
  try {
    return javaRegex(pattern);
  } catch (error) {
    if (error instanceof JavaRegexError) throw new CoreStartupError(error.message, key);
    throw error;
  }
}

/** A period Core reads with getLong and hands to a timer: a whole number of ms, at least 1. */
function positiveMs(value: unknown, key: string): number {
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 1 || ms > 2 ** 31 - 1) throw new CoreStartupError(`${key} must be a whole number of milliseconds from 1 to ${2 ** 31 - 1}, not ${JSON.stringify(value)}`, key);
  return ms;
}

function javaTypeOf(value: unknown): string {
  if (typeof value === 'string') return 'java.lang.String';
  if (typeof value === 'number') return 'java.lang.Integer';
  if (typeof value === 'boolean') return 'java.lang.Boolean';
  if (value === undefined || value === null) return 'null';
  return 'io.vertx.core.json.JsonObject';
}
