/**
 * Checks of DIAL Core's settings against Core's real rules (docs/dial-core.md#startup-failures,
 * docs/dial-core.md#malformed-config, docs/auth0-tutorial.md#defects): what stops Core from starting, what
 * lets it start and then refuses every token, and what will bite later.
 */
import { CoreStartupError } from '../../mock-core/errors.ts';
import { fullMatch, JavaRegexError, javaRegex } from '../../mock-core/java-regex.ts';
import { isObject, type JsonObject } from '../../mock-core/json-merge.ts';
import { parseSettings } from '../../mock-core/settings.ts';
import type { Finding } from './findings.ts';
import { closestWord } from './spelling.ts';
import { settingsWhere, type DoctorInputs } from './inputs.ts';

/** An identity provider as written: its settings, and the two fields several checks read. */
type RawProvider = { name: string; settings: JsonObject; jwksUrl: string | undefined; rolePaths: string[] };

export function rawProviders(settings: JsonObject): RawProvider[] {
  const providers = isObject(settings.identityProviders) ? settings.identityProviders : {};
  return Object.entries(providers).filter((entry): entry is [string, JsonObject] => isObject(entry[1])).map(([name, provider]) => ({
    name,
    settings: provider,
    jwksUrl: typeof provider.jwksUrl === 'string' ? provider.jwksUrl : undefined,
    rolePaths: Array.isArray(provider.rolePath) ? provider.rolePath.map(String) : typeof provider.rolePath === 'string' ? [provider.rolePath] : [],
  }));
}

/** `https:///…`: java.net.URL reads an empty host. */
export const TRIPLE_SLASH = /^[a-z][a-z0-9+.-]*:\/\/\//i;

export function checkCoreSettings(inputs: DoctorInputs, issuer: string | undefined): Finding[] {
  const findings: Finding[] = [];
  const where = (key: string) => settingsWhere(inputs, key);
  const providers = rawProviders(inputs.settings);
  if (inputs.settingsUnreadable) {
    findings.push({
      check: 'settings-not-json', severity: 'error', where: inputs.settingsSource,
      title: `${inputs.settingsSource.split(' + ')[0]!.split('/').pop()} is not a strict JSON object: DIAL Core will not start (the other checks read Core's defaults in its place)`,
      compared: inputs.settingsUnreadable,
      fix: 'Core reads strict JSON: one object in {}, no comments, no trailing commas, double quotes only',
    });
  }

  for (const { name, settings, jwksUrl, rolePaths } of providers) {
    const key = (k: string) => `identityProviders.${name}.${k}`;
    if (jwksUrl && TRIPLE_SLASH.test(jwksUrl)) {
      findings.push({
        check: 'jwks-url-triple-slash', severity: 'error', where: where(key('jwksUrl')),
        title: 'jwksUrl has three slashes: Core starts, then refuses every token with 401 "Bad Authorization header"',
        compared: `${jwksUrl}: java.net.URL reads an empty host and the path "/${jwksUrl.replace(TRIPLE_SLASH, '')}", so the JWKS is never fetched`,
        fix: `write ${jwksUrl.replace(/^([a-z][a-z0-9+.-]*:\/\/)\/+/i, '$1')}`,
      });
    }
    const pattern = typeof settings.issuerPattern === 'string' ? settings.issuerPattern : undefined;
    if (pattern !== undefined) findings.push(...checkIssuerPattern(pattern, where(key('issuerPattern')), issuer, providers.length));
    for (const rolePath of rolePaths.filter((p) => /[/:]/.test(p))) {
      findings.push({
        check: 'role-path-namespaced', severity: 'error', where: where(key('rolePath')),
        title: 'rolePath names a namespaced claim, which Core cannot reach: every user has no role',
        compared: `Core splits rolePath on dots: "${rolePath}" becomes ${JSON.stringify(rolePath.split('.'))}, a path through objects the token does not have`,
        fix: 'set the roles in a plain claim such as dial_roles (api.accessToken.setCustomClaim("dial_roles", event.authorization.roles)) and use rolePath: dial_roles',
      });
    }
  }

  for (const key of Object.keys(inputs.settings).filter((k) => !CORE_SETTINGS_KEYS.includes(k))) {
    findings.push(unknownKeyFinding('settings-unknown-key', key, where(key), CORE_SETTINGS_KEYS, "Core's static settings", 'the settings under it keep their defaults'));
  }

  try {
    parseSettings(inputs.settings);
  } catch (error) {
    if (!(error instanceof CoreStartupError)) throw error;
    // The placeholder pattern has a finding of its own, with more to say.
    if (!/Illegal repetition/.test(error.reason) || !findings.some((f) => f.check === 'issuer-pattern-placeholder')) {
      findings.push({ check: 'core-will-not-start', severity: 'error', where: where(error.key ?? '(settings)'), title: `DIAL Core will not start: ${error.reason}`, fix: fixFor(error.reason) });
    }
  }
  return findings;
}

function checkIssuerPattern(pattern: string, where: string, issuer: string | undefined, providerCount: number): Finding[] {
  const placeholder = /\$\{[^}]*\}/.exec(pattern);
  if (placeholder) {
    const interpolated = pattern.replace(/\$\{[^}]*\}/g, '');
    return [{
      check: 'issuer-pattern-placeholder', severity: 'error', where,
      title: `issuerPattern still holds the placeholder ${placeholder[0]}`,
      compared: `as written, Java's Pattern.compile fails ("Illegal repetition"): DIAL Core will not start. Through docker compose, ${placeholder[0]} is replaced by a host variable, usually empty: "${interpolated}", which ${issuer ? `does not match the issuer ${issuer}` : 'matches no Auth0 issuer'}`,
      fix: issuer ? `write the issuer itself, e.g. ^${escapeRegex(issuer)}$ (in compose, $$ for each $)` : 'write your tenant\'s domain in place of the placeholder',
    }];
  }
  if (!issuer) return [];
  let regex: RegExp;
  try {
    regex = fullMatch(javaRegex(pattern));
  } catch (error) {
    if (error instanceof JavaRegexError) return []; // reported as "Core will not start"
    throw error;
  }
  if (regex.test(issuer)) return [];
  const euOnly = /\\?\.eu\\?\.auth0/.test(pattern) && !/\.eu\.auth0\.com/.test(issuer);
  const several = providerCount > 1;
  return [{
    check: 'issuer-pattern-mismatch', severity: several ? 'error' : 'warning', where,
    title: several
      ? 'issuerPattern does not match the issuer the IdP issues, and with several providers every token of this IdP gets 401'
      : 'issuerPattern does not match the issuer the IdP issues (harmless for now: with one provider Core does not consult it)',
    compared: `"${pattern}" as a full match against "${issuer}": no match${euOnly ? ' (the pattern accepts EU tenants only: *.eu.auth0.com)' : ''}${issuer.endsWith('/') && !regex.test(issuer) && regex.test(issuer.slice(0, -1)) ? '; it would match without the trailing slash Auth0 issuers carry' : ''}`,
    fix: `^${escapeRegex(issuer)}$`,
  }];
}

/**
 * The top-level keys Core's `Config` binds, in any version the sandbox is checked against: 0.18
 * (https://github.com/epam/ai-dial-core/blob/8c78cb946bed550a6e7d840d53dc098459acc80a/config/src/main/java/com/epam/aidial/core/config/Config.java),
 * 0.25 (https://github.com/sergey-zinchenko/ai-dial-core/blob/f15fcd8d93fab498e258256b139de079d57b5fc9/config/src/main/java/com/epam/aidial/core/config/Config.java)
 * and a later development version that bounds 0.39 from above
 * (https://github.com/epam/ai-dial-core/blob/0dc79ea8b520fd74951125479487bba3a597f162/config/src/main/java/com/epam/aidial/core/config/Config.java).
 * `Config` ignores unknown properties, so any other key, a typo among them, drops what it holds without a word.
 * A key some version knows is not reported: the warning is for keys no Core reads.
 */
export const CORE_CONFIG_KEYS = [
  'routes', 'models', 'addons', 'applications', 'assistant', 'keys', 'roles', 'retriableErrorCodes', 'interceptors',
  'applicationTypeSchemas', 'toolsets', 'translators', 'catalogSchemas', 'defaultLocale', 'default_locale', 'globalInterceptors', 'tracing',
];

/**
 * The top-level keys of the static settings Core reads (AiDial.java's `settings("…")` and `settings.get…("…")`
 * calls) in the same three versions; the 0.18 and 0.25 sets are within the later one's
 * (https://github.com/epam/ai-dial-core/blob/01838d617245f6c1ae9692baca43751579187d67/server/src/main/java/com/epam/aidial/core/server/AiDial.java).
 * A key no version reads is ignored, and the settings under it keep Core's defaults.
 */
export const CORE_SETTINGS_KEYS = [
  'vertx', 'client', 'webSocketClient', 'asyncTaskExecutor', 'claimsLogLevel', 'identityProviders', 'storage', 'encryption', 'redis',
  'resources', 'invitations', 'perRequestApiKey', 'config', 'applications', 'access', 'codeInterpreter', 'toolsets', 'apiKeyValidation', 'server',
];

/** A top-level key Core ignores, with the known key it is probably a typo of. */
function unknownKeyFinding(check: string, key: string, where: string, known: readonly string[], what: string, lost: string): Finding {
  const meant = closestWord(key, known);
  return {
    check, severity: 'warning', where,
    title: `"${key}" is no top-level key of ${what}: Core ignores it, and ${lost}${meant ? ` (did you mean "${meant}"?)` : ''}`,
    compared: `"${key}" against the keys Core reads: ${known.join(', ')}`,
    fix: meant ? `rename "${key}" to "${meant}"` : `remove "${key}", or move what it holds under the key Core reads`,
  };
}

/** The dynamic config files as Jackson reads them: strict JSON, then Core's shapes. */
export function checkCoreConfig(inputs: DoctorInputs): Finding[] {
  const findings: Finding[] = [];
  for (const { file, tree } of inputs.configFiles) {
    for (const key of Object.keys(tree ?? {}).filter((k) => !CORE_CONFIG_KEYS.includes(k))) {
      findings.push(unknownKeyFinding('config-unknown-key', key, `${file}: ${key}`, CORE_CONFIG_KEYS, "Core's dynamic config", 'everything under it is dropped'));
    }
  }
  for (const { file, notJson, willNotLoad } of inputs.configFiles) {
    if (notJson !== undefined) {
      findings.push({
        check: 'config-not-json', severity: 'error', where: file,
        title: `${file.split('/').pop()} is not strict JSON: DIAL Core will not start (and a hot reload keeps the old config)`,
        compared: notJson,
        fix: 'Core reads strict JSON: one object in {}, no comments, no trailing commas, double quotes only',
      });
    } else if (willNotLoad !== undefined) {
      findings.push({ check: 'config-will-not-load', severity: 'error', where: file, title: `DIAL Core will not load ${file.split('/').pop()}`, compared: willNotLoad, fix: 'remove or rename the key Core does not know, or fix the value' });
    }
  }
  return findings;
}


function fixFor(reason: string): string {
  if (reason.includes('JsonArray')) return `write config.files as a JSON array string: aidial.config.files='["/opt/config/aidial.config.json"]'`;
  if (reason.includes('rolePath')) return 'add rolePath (for the tutorial: dial_roles)';
  if (reason.includes('loggingSalt')) return 'add loggingSalt beside loggingKey';
  if (reason.includes('identity provider')) return 'add aidial.identityProviders.<name>.jwksUrl and rolePath';
  return 'see docs/dial-core.md#startup-failures';
}

export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
