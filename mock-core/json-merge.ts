/** JSON trees merged as Core merges them (Vert.x `mergeIn(…, true)` and Jackson `readerForUpdating`). */
export type JsonObject = { [key: string]: unknown };

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `over` merged into `base`, objects recursively; keys keep their first position, new keys go last (the
 * order matters: it is the order of identity providers and routes). Arrays are replaced, or concatenated
 * with `concatArrays` (Core's dynamic-config default, `jsonMergeStrategy.overwriteArrays: false`).
 */
export function deepMerge(base: JsonObject, over: JsonObject, concatArrays = false): JsonObject {
  const result: JsonObject = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = result[key];
    if (isObject(current) && isObject(value)) result[key] = deepMerge(current, value, concatArrays);
    else if (concatArrays && Array.isArray(current) && Array.isArray(value)) result[key] = [...current, ...value];
    else result[key] = value;
  }
  return result;
}
