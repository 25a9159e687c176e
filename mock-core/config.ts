/**
 * Core's dynamic settings: every file of `config.files`, strict JSON, deep-merged in order, bound to Core's
 * shapes, then normalised into what the emulator uses (docs/dial-core.md#config-loading,
 * docs/dial-core.md#malformed-config).
 */
import { readFileSync } from 'node:fs';

import { dynamicConfigSchema, type ApplicationEntry, type LimitEntry, type ModelEntry, type RoleEntry, type RouteEntry, type UpstreamEntry } from './config-schema.ts';
import { fullMatch, javaRegex } from './java-regex.ts';
import { nanoDollars, UNLIMITED_COST, type Pricing } from './limits/cost.ts';
import { deepMerge, isObject, type JsonObject } from './json-merge.ts';

export interface Upstream {
  endpoint: string;
  key?: string;
  extraData?: string;
  weight: number;
  tier: number;
}

export interface Deployment {
  name: string;
  kind: 'model' | 'application';
  type?: 'chat' | 'completion' | 'embedding';
  endpoint?: string;
  /** undefined: open to every authenticated caller; []: open to nobody. */
  userRoles?: string[];
  forwardAuthToken: boolean;
  upstreams: Upstream[];
  maxRetryAttempts: number;
  overrideName?: string;
  defaults: JsonObject;
  /** features.accessible_by_per_request_key (default true): may a per-request key (an app calling on) use it. */
  accessibleByPerRequestKey: boolean;
  /** A model's `pricing`, in nano-dollars per unit. */
  pricing?: Pricing;
  /** The interceptors a call to it goes through first, by name, in order (docs/dial-core.md#interceptors). */
  interceptors: string[];
  /** The entry as written (for listings). */
  entry: ModelEntry | ApplicationEntry;
}

export interface Limit {
  minute: number;
  day: number;
  week: number;
  month: number;
  requestHour: number;
  requestDay: number;
}

/** A role's budget across every model, per window, in nano-dollars (UNLIMITED_COST where not set). */
export interface CostLimit {
  minute: number;
  day: number;
  week: number;
  month: number;
}

export interface Route {
  name: string;
  paths: RegExp[];
  methods: string[];
  userRoles?: string[];
  /** A fixed answer; mock-core does not forward routes to their upstreams (the schema still checks them). */
  response?: { status: number; body: string };
}

export interface CoreConfig {
  models: Map<string, Deployment>;
  applications: Map<string, Deployment>;
  keys: Map<string, { project: string; roles: string[] }>;
  /** role → deployment → limit; a role without `limits` maps to undefined. */
  roles: Map<string, Map<string, Limit> | undefined>;
  /** role → its `costLimit`, for the roles that have one. */
  costLimits: Map<string, CostLimit>;
  routes: Route[];
  /** The config's `interceptors`: name → where it listens. */
  interceptors: Map<string, { endpoint?: string }>;
  retriableErrorCodes: number[];
}

/** Long.MAX_VALUE: Core's "unlimited"; it appears in /limits answers. */
export const UNLIMITED = Number.MAX_SAFE_INTEGER;
export const UNLIMITED_TEXT = '9223372036854775807';

/** Why a load failed, in Core's words, with the file and (for syntax errors) line and column. */
export class ConfigLoadError extends Error {
  readonly file: string | undefined;
  readonly reason: string;
  readonly line: number | undefined;
  readonly column: number | undefined;

  constructor(reason: string, file?: string, at: { line?: number; column?: number } = {}) {
    super(file ? `${file}: ${reason}` : reason);
    this.name = 'ConfigLoadError';
    this.file = file;
    this.reason = reason;
    this.line = at.line;
    this.column = at.column;
  }
}

export function loadDynamicConfig(files: readonly string[], rewrite: (tree: JsonObject) => JsonObject = (tree) => tree): CoreConfig {
  let tree: JsonObject = {};
  for (const file of files) tree = deepMerge(tree, readConfigFile(file), true);
  return bindConfig(rewrite(tree), files.join(', '));
}

function readConfigFile(file: string): JsonObject {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigLoadError(`cannot read: ${(error as Error).message}`, file);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const at = positionOf(text, error as Error);
    const where = at.line === undefined ? '' : ` (line: ${at.line}, column: ${at.column})`;
    throw new ConfigLoadError(`com.fasterxml.jackson.core.JsonParseException: ${(error as Error).message.replace(/ in JSON at position \d+.*$/, '')}${where}`, file, at);
  }
  if (!isObject(value)) {
    throw new ConfigLoadError(`com.fasterxml.jackson.databind.exc.MismatchedInputException: the root must be a JSON object ({…}), not ${Array.isArray(value) ? 'an array' : typeof value}`, file);
  }
  return value;
}

/** Where JSON.parse stopped, as a line and column (Jackson reports both). */
function positionOf(text: string, error: Error): { line?: number; column?: number } {
  const position = /position (\d+)/.exec(error.message)?.[1];
  if (position === undefined) return {};
  const before = text.slice(0, Number(position));
  return { line: before.split('\n').length, column: Number(position) - before.lastIndexOf('\n') };
}

export function bindConfig(tree: JsonObject, source?: string): CoreConfig {
  const parsed = dynamicConfigSchema.safeParse(withoutNulls(tree));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.join('.');
    const message = issue.code === 'unrecognized_keys'
      ? `UnrecognizedPropertyException: Unrecognized field ${issue.keys.map((k) => `"${k}"`).join(', ')} at ${path || '(root)'}, not marked as ignorable`
      : `MismatchedInputException at ${path}: ${issue.message}`;
    throw new ConfigLoadError(`com.fasterxml.jackson.databind.exc.${message}`, source);
  }
  const config = parsed.data;
  const keys = new Map<string, { project: string; roles: string[] }>();
  for (const [key, entry] of Object.entries(config.keys ?? {})) {
    const roles = [...(entry.roles ?? []), ...(entry.role ? [entry.role] : [])];
    if (roles.length === 0) throw new ConfigLoadError(`Invalid key: at least one role must be assigned to the key for project ${entry.project}`, source);
    keys.set(key, { project: entry.project, roles });
  }
  return {
    models: new Map(Object.entries(config.models ?? {}).map(([name, entry]) => [name, { ...toDeployment(name, 'model', entry), pricing: entry.pricing && toPricing(entry.pricing, `models.${name}.pricing`, source) }])),
    applications: new Map(Object.entries(config.applications ?? {}).map(([name, entry]) => [name, toDeployment(name, 'application', entry)])),
    keys,
    roles: new Map(Object.entries(config.roles ?? {}).map(([name, role]) => [name, role.limits && new Map(Object.entries(role.limits).map(([d, l]) => [d, toLimit(l)]))])),
    costLimits: new Map(Object.entries(config.roles ?? {}).flatMap(([name, role]) => (role.costLimit ? [[name, toCostLimit(role.costLimit, `roles.${name}.costLimit`, source)] as const] : []))),
    routes: Object.entries(config.routes ?? {}).map(([name, route]) => toRoute(name, route)),
    interceptors: new Map(Object.entries(config.interceptors ?? {}).map(([name, interceptor]) => [name, { endpoint: interceptor.endpoint }])),
    retriableErrorCodes: config.retriableErrorCodes ?? [],
  };
}

/** A field under Core's camelCase name or its snake_case alias. */
export function aliasOf(entry: object, camel: string): unknown {
  const fields = entry as Record<string, unknown>;
  return fields[camel] ?? fields[camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)];
}

/** Jackson binds `"field": null` as "not set" (e.g. userRoles: null = open to all); so does the emulator. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (!isObject(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, withoutNulls(v)]));
}

function toDeployment(name: string, kind: Deployment['kind'], entry: ModelEntry | ApplicationEntry): Deployment {
  const model = kind === 'model' ? (entry as ModelEntry) : undefined;
  return {
    name,
    kind,
    type: model?.type.toLowerCase() as Deployment['type'],
    endpoint: entry.endpoint,
    userRoles: aliasOf(entry, 'userRoles') as string[] | undefined,
    forwardAuthToken: Boolean(aliasOf(entry, 'forwardAuthToken')),
    upstreams: (model?.upstreams ?? []).map(toUpstream),
    // Core's Deployment defaults to 1 attempt; its Model sets 5 (PR #592, docs/dial-core.md#retries).
    maxRetryAttempts: Number(aliasOf(entry, 'maxRetryAttempts') ?? (kind === 'model' ? 5 : 1)),
    overrideName: model && (aliasOf(model, 'overrideName') as string | undefined),
    defaults: entry.defaults ?? {},
    accessibleByPerRequestKey: aliasOf(entry.features ?? {}, 'accessibleByPerRequestKey') !== false,
    interceptors: entry.interceptors ?? [],
    entry,
  };
}

function toUpstream(entry: UpstreamEntry): Upstream {
  const extra = entry.extraData;
  return {
    endpoint: entry.endpoint,
    key: entry.key,
    extraData: extra === undefined || extra === null ? undefined : typeof extra === 'string' ? extra : JSON.stringify(extra),
    weight: Number(entry.weight ?? 1),
    tier: Number(entry.tier ?? 0),
  };
}

function toLimit(entry: LimitEntry): Limit {
  // Long.MAX_VALUE written out in a config is "unlimited" too (JavaScript cannot hold it exactly).
  const field = (value: number | undefined) => (value === undefined ? UNLIMITED : Math.min(Number(value), UNLIMITED));
  return {
    minute: field(entry.minute),
    day: field(entry.day),
    week: field(entry.week),
    month: field(entry.month),
    requestHour: field(entry.requestHour),
    requestDay: field(entry.requestDay),
  };
}

/** Dollars in the config, as nano-dollars; anything but a number fails the load as Jackson's binding would. */
function dollarsAt(value: number | string, path: string, source: string | undefined): number {
  try {
    return nanoDollars(value);
  } catch {
    throw new ConfigLoadError(`com.fasterxml.jackson.databind.exc.InvalidFormatException at ${path}: ${JSON.stringify(value)} is not a valid number`, source);
  }
}

function toPricing(entry: NonNullable<ModelEntry['pricing']>, path: string, source: string | undefined): Pricing {
  const price = (value: string | number | undefined, at: string) => {
    if (value === undefined) return undefined;
    // Core reads prices with its DoubleStringDeserializer: a JSON string holding a number, never a number.
    if (typeof value !== 'string') throw new ConfigLoadError(`com.fasterxml.jackson.databind.exc.InvalidFormatException at ${at}: Expected a JSON string`, source);
    return dollarsAt(value, at, source);
  };
  return { unit: entry.unit, prompt: price(entry.prompt, `${path}.prompt`), completion: price(entry.completion, `${path}.completion`) };
}

function toCostLimit(entry: NonNullable<RoleEntry['costLimit']>, path: string, source: string | undefined): CostLimit {
  const field = (name: keyof CostLimit) => (entry[name] === undefined ? UNLIMITED_COST : dollarsAt(entry[name], `${path}.${name}`, source));
  return { minute: field('minute'), day: field('day'), week: field('week'), month: field('month') };
}

function toRoute(name: string, entry: RouteEntry): Route {
  return {
    name,
    paths: (entry.paths ?? []).map((p) => {
      try {
        return fullMatch(javaRegex(p));
      } catch (error) {
        throw new ConfigLoadError(`routes.${name}.paths: ${(error as Error).message}`);
      }
    }),
    // As written: Core compares them with the request's method name, case and all (RouteController.selectRoute).
    methods: entry.methods ?? [],
    userRoles: aliasOf(entry, 'userRoles') as string[] | undefined,
    response: entry.response && { status: Number(entry.response.status ?? 200), body: entry.response.body ?? '' },
  };
}
