/**
 * Nesting limits for parsed JSON. JSON.parse takes any depth, but JSON.stringify, structuredClone and
 * anything else that recurses runs out of stack a few thousand levels down: checks that walk without
 * recursing, and a copy cut at a depth for showing what was received.
 */

/** How deep what the sandbox shows of a request (logs, recorded requests) goes; plenty for reading. */
export const SHOWN_DEPTH = 100;

/** Whether objects and arrays in `value` nest deeper than `limit` levels (`{}` is one level). */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const pending: [unknown, number][] = [[value, 1]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [item, depth] = next;
    if (item === null || typeof item !== 'object') continue;
    if (depth > limit) return true;
    for (const child of Object.values(item)) if (child !== null && typeof child === 'object') pending.push([child, depth + 1]);
  }
  return false;
}

/** `value` as it is, or, when it nests deeper than `limit`, a copy whose deeper parts say they were cut. */
export function cutDeeperThan(value: unknown, limit: number): unknown {
  return nestsDeeperThan(value, limit) ? copyTo(value, limit) : value;
}

function copyTo(value: unknown, levels: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (levels === 0) return '(nested deeper: cut)';
  if (Array.isArray(value)) return value.map((item) => copyTo(item, levels - 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, copyTo(item, levels - 1)]));
}
