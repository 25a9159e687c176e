/**
 * Environment variables as Core's static settings see them (Vert.x `JsonObjectHelper.from(props, false, true)`,
 * docs/dial-core.md#env-overlay): names starting `aidial.` (or the legacy `proxy.`) lose the prefix and
 * are split on dots into nested objects; values are converted in Vert.x's order.
 */
import { deepMerge, type JsonObject } from './json-merge.ts';

/** The prefixes of the names Core reads settings from, the legacy one first (so `aidial.` wins a key both set). */
export const SETTING_PREFIXES = ['proxy.', 'aidial.'] as const;

export function vertxEnvSettings(env: Record<string, string | undefined>): JsonObject {
  let settings: JsonObject = {};
  // The legacy prefix first, so `aidial.` wins where both set a key.
  for (const prefix of SETTING_PREFIXES) {
    for (const [name, value] of Object.entries(env)) {
      if (!name.startsWith(prefix) || value === undefined) continue;
      const path = name.slice(prefix.length).split('.');
      const leaf = path.reduceRight<unknown>((inner, key) => ({ [key]: inner }), convertValue(value));
      settings = deepMerge(settings, leaf as JsonObject);
    }
  }
  return settings;
}

/** Vert.x's conversion: booleans, numbers, `{…}` objects, `[…]` arrays, then a comma list tried as an array. */
export function convertValue(value: string): unknown {
  if (/^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value.trim()) && value.trim() !== '') return Number(value);
  const parsed = (text: string) => {
    try {
      return { ok: true, value: JSON.parse(text) as unknown };
    } catch {
      return { ok: false, value: undefined };
    }
  };
  if (value.startsWith('{') && value.endsWith('}')) {
    const object = parsed(value);
    if (object.ok) return object.value;
  }
  if (value.startsWith('[') && value.endsWith(']')) {
    const array = parsed(value);
    if (array.ok) return array.value;
  }
  if (value.includes(',') && !value.startsWith('[')) {
    const array = parsed(`[${value}]`);
    if (array.ok) return array.value;
  }
  return value;
}
