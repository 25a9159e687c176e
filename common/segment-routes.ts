/**
 * A table of routes by path segments, as mock-models and the console keep theirs: `:name` captures one
 * segment, a last `*name` the rest. Rows are tried in order; the first whose method and path match wins.
 */
export interface SegmentRoute {
  method: string;
  path: string[];
}

export type SegmentMatch<R> = { route: R; params: Record<string, string> } | { allowed: string[] } | undefined;

export const segmentsOf = (path: string): string[] => path.split('/').filter(Boolean);

/** The route for a method and path; or the methods the path allows; or nothing. Throws URIError for a malformed escape. */
export function matchSegments<R extends SegmentRoute>(routes: readonly R[], method: string, pathname: string): SegmentMatch<R> {
  const segments = segmentsOf(pathname).map(decodeURIComponent);
  const allowed: string[] = [];
  for (const candidate of routes) {
    const params = matchPath(candidate.path, segments);
    if (!params) continue;
    if (candidate.method === method) return { route: candidate, params };
    allowed.push(candidate.method);
  }
  return allowed.length ? { allowed } : undefined;
}

function matchPath(pattern: string[], segments: string[]): Record<string, string> | undefined {
  const rest = pattern.at(-1)?.startsWith('*');
  if (rest ? segments.length < pattern.length : pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of pattern.entries()) {
    if (part.startsWith('*')) params[part.slice(1)] = segments.slice(i).join('/');
    else if (part.startsWith(':')) params[part.slice(1)] = segments[i]!;
    else if (part !== segments[i]) return undefined;
  }
  return params;
}
