/**
 * What Core adds to a request it forwards to a model (docs/dial-core.md#forwarding): the per-request key, the
 * upstream's endpoint, key and extra data, the override name, and the caller's token with forwardAuthToken.
 * The timeline shows them shortened, "try it" whole.
 */
const ADDED_BY_CORE = ['api-key', 'authorization', 'x-upstream-endpoint', 'x-upstream-key', 'x-upstream-extra-data', 'x-dial-override-name'];

/** Those of a recorded request's headers that Core added, each value through `shown`. */
export function addedByCore(headers: Record<string, string>, shown: (value: string) => string = (value) => value): Record<string, string> {
  return Object.fromEntries(ADDED_BY_CORE.filter((h) => headers[h] !== undefined).map((h) => [h, shown(headers[h]!)]));
}
