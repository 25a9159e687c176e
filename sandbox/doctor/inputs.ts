/**
 * What the doctor examines: Core's static settings as written (file + `aidial.*` lines, not yet validated,
 * so a setting Core would refuse is a finding rather than a crash), the dynamic config files as bound, DIAL
 * Chat's environment, and the tenant, from an environment folder or from files named one by one.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

import { SandboxError, type Problem } from '../../common/sandbox-error.ts';
import { bindConfig, ConfigLoadError, type CoreConfig } from '../../mock-core/config.ts';
import { CoreStartupError } from '../../mock-core/errors.ts';
import { isObject, type JsonObject } from '../../mock-core/json-merge.ts';
import { mergeStaticSettings } from '../../mock-core/settings.ts';
import type { Tenant } from '../../mock-idp/tenant.ts';
import { loadTenant } from '../../mock-idp/load-tenant.ts';
import { SETTING_PREFIXES } from '../../mock-core/vertx-env.ts';

export interface DoctorInputs {
  /** The merged static settings tree, as Core would merge it, unvalidated. */
  settings: JsonObject;
  settingsSource: string;
  /** Where each setting given by an `aidial.*` (or legacy `proxy.*`) line was given: its path → file:line and name. */
  settingsLines?: Map<string, EnvLine>;
  /** Why the settings file is no JSON object, when it is not (Core's defaults stand in for it). */
  settingsUnreadable?: string;
  /** Each dynamic config file, read and bound once for every check. */
  configFiles: ConfigFile[];
  /** DIAL Chat's environment (empty when none was given). */
  chatEnv: Record<string, string>;
  chatEnvSource?: string;
  tenant?: Tenant;
  tenantSource?: string;
  /** Why the tenant file (or an Action it binds) would not load, when it would not; `tenant` is then unset. */
  tenantProblems?: readonly Problem[];
}

/** A dynamic config file as Core would take it: bound, or why it is not strict JSON, or why Core refuses it. */
export interface ConfigFile {
  file: string;
  /** The file's JSON object as written, when it is one (for the checks of its top-level keys). */
  tree?: JsonObject;
  config?: CoreConfig;
  /** The JSON parser's message, with hints at the usual causes. */
  notJson?: string;
  /** Core's reason for not loading it. */
  willNotLoad?: string;
}

/** One `NAME=value` line of an env file: where it is, and the name as written. */
export interface EnvLine {
  at: string;
  name: string;
}

export interface InputPaths {
  envDir?: string;
  settings?: string;
  config?: string[];
  /** Files of `aidial.*` lines (KEY=VALUE, or KEY: value as the tutorial writes them). */
  envFiles?: string[];
  chatEnv?: string;
}

export function readInputs(paths: InputPaths): DoctorInputs {
  const envDir = paths.envDir && resolve(paths.envDir);
  const settingsFile = paths.settings ?? (envDir && existing(join(envDir, 'core', 'aidial.settings.json')));
  // As Core merges them (mock-core's own merge), short of validating: a setting Core refuses is a finding.
  const envEntries = (paths.envFiles ?? []).flatMap(readEnvEntries);
  const env = Object.fromEntries(envEntries.map((e) => [e.name, e.value]));
  let settings: JsonObject;
  let settingsUnreadable: string | undefined;
  try {
    settings = mergeStaticSettings({ file: settingsFile, env });
  } catch (error) {
    if (!(error instanceof CoreStartupError)) throw error;
    settingsUnreadable = `${error.reason}${existsSync(settingsFile!) ? jsonHints(readFileSync(settingsFile!, 'utf8')) : ''}`;
    settings = mergeStaticSettings({ env });
  }

  const configFiles = (paths.config ?? configFilesOf(settings, settingsFile)).filter((f) => existsSync(f)).map(readConfigFile);
  const chatEnvFile = paths.chatEnv ?? (envDir && existing(join(envDir, 'chat.env')));
  const tenantFile = envDir && existing(join(envDir, 'tenant.yaml'));
  const { tenant, tenantProblems } = tenantFile ? readTenant(tenantFile) : {};
  return {
    settings,
    settingsSource: [settingsFile, ...(paths.envFiles ?? [])].filter(Boolean).join(' + ') || "Core's defaults",
    settingsLines: settingsLinesOf(envEntries),
    settingsUnreadable,
    configFiles,
    chatEnv: chatEnvFile ? readEnvLines(chatEnvFile) : {},
    chatEnvSource: chatEnvFile,
    tenant,
    tenantSource: tenantFile,
    tenantProblems,
  };
}

/** The tenant as the sandbox loads it; what stops it loading is a finding, so the other checks still run. */
function readTenant(file: string): Pick<DoctorInputs, 'tenant' | 'tenantProblems'> {
  try {
    return { tenant: loadTenant(file) };
  } catch (error) {
    if (!(error instanceof SandboxError)) throw error;
    return { tenantProblems: error.problems };
  }
}

function readConfigFile(file: string): ConfigFile {
  const text = readFileSync(file, 'utf8');
  let tree: unknown;
  try {
    tree = JSON.parse(text);
  } catch (error) {
    return { file, notJson: `${(error as Error).message}${jsonHints(text)}` };
  }
  if (!isObject(tree)) return { file, willNotLoad: 'the root must be a JSON object ({…})' };
  try {
    return { file, tree, config: bindConfig(tree, file) };
  } catch (error) {
    if (!(error instanceof ConfigLoadError)) throw error;
    return { file, tree, willNotLoad: error.reason };
  }
}

function configFilesOf(settings: JsonObject, settingsFile: string | undefined): string[] {
  const files = isObject(settings.config) ? settings.config.files : undefined;
  if (!Array.isArray(files)) return [];
  return files.map((f) => resolve(settingsFile ? dirname(settingsFile) : '.', String(f)));
}

/** `KEY=VALUE`, `KEY: value` or `- KEY=VALUE` lines (env files, compose environment blocks, the tutorial's text). */
export function readEnvLines(file: string): Record<string, string> {
  return Object.fromEntries(readEnvEntries(file).map((e) => [e.name, e.value]));
}

/** The lines of readEnvLines in file order, each with its file:line, so a finding can point at it. */
function readEnvEntries(file: string): (EnvLine & { value: string })[] {
  return readFileSync(file, 'utf8').split('\n').flatMap((line, index) => {
    const match = /^\s*(?:-\s*)?(?:export\s+)?([A-Za-z_][\w.-]*)\s*[:=]\s?(.*?)\s*$/.exec(line);
    if (!match || line.trim().startsWith('#')) return [];
    return [{ at: `${file}:${index + 1}`, name: match[1]!, value: match[2]!.replace(/^(['"])(.*)\1$/, '$2') }];
  });
}

/**
 * Each settings path an env line sets, as vertx-env.ts reads them: the legacy `proxy.` lines first, so an
 * `aidial.` line wins the same path, and a later line (or file) wins over an earlier one.
 */
function settingsLinesOf(entries: readonly EnvLine[]): Map<string, EnvLine> {
  const lines = new Map<string, EnvLine>();
  for (const prefix of SETTING_PREFIXES) {
    for (const entry of entries.filter((e) => e.name.startsWith(prefix))) lines.set(entry.name.slice(prefix.length), entry);
  }
  return lines;
}

/**
 * Where a setting was given: the env line that set it (or set an object holding it, as JSON, or a key
 * inside it), else the settings file. `key` is the settings path, e.g. `identityProviders.auth0.jwksUrl`.
 */
export function settingsWhere(inputs: Pick<DoctorInputs, 'settingsSource' | 'settingsLines'>, key: string): string {
  const segments = key.split('.');
  for (let n = segments.length; n > 0; n--) {
    const line = inputs.settingsLines?.get(segments.slice(0, n).join('.'));
    if (line) return `${line.at}: ${line.name}`;
  }
  // An object only env lines below it built (aidial.server.port=… makes "server"): the first of them.
  const child = [...(inputs.settingsLines?.entries() ?? [])].find(([path]) => path.startsWith(`${key}.`));
  if (child) return `${child[1].at}: ${child[1].name}`;
  return `${inputs.settingsSource}: ${key}`;
}

function existing(file: string): string | undefined {
  return existsSync(file) ? file : undefined;
}

/** What commonly makes a hand-written JSON file not strict JSON, as " — …" to append to the parser's message. */
function jsonHints(text: string): string {
  const hints: string[] = [];
  if (/^\s*"[^"]+"\s*:/.test(text)) hints.push('the file is a fragment ("models": …) without the outer { }, as the tutorial shows it');
  if (/,\s*[}\]]/.test(text)) hints.push('a trailing comma before } or ]');
  if (/(^|[^:"])\/\/|\/\*/.test(text)) hints.push('a comment');
  return hints.length ? ` — ${hints.join('; ')}` : '';
}
