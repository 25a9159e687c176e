/** mock-core's routes after authentication: the table of contents of the emulated DIAL Core API. */
import type { CoreHandler } from './exchange.ts';
import { deploymentPost } from './handlers/deployment-post.ts';
import { deploymentLimits } from './handlers/limits.ts';
import { emptyList, getApplication, getModel, listApplications, listModels } from './handlers/listings.ts';
import { bucket, userInfo } from './handlers/user.ts';

export interface CoreRoute {
  method: string;
  pattern: RegExp;
  handler: CoreHandler;
}

const route = (method: string, pattern: RegExp, handler: CoreHandler): CoreRoute => ({ method, pattern, handler });
/** Core's ids run to the end of the path, slashes included: GET /openai/deployments/x/chat/completions asks for "x/chat/completions". */
const ID = '(?<id>.+)';

export const CORE_ROUTES: readonly CoreRoute[] = [
  route('GET', /^\/openai\/models$/, listModels),
  route('GET', new RegExp(`^/openai/models/${ID}$`), getModel),
  route('GET', /^\/openai\/deployments$/, listModels),
  route('GET', new RegExp(`^/openai/deployments/${ID}$`), getModel),
  route('GET', /^\/openai\/applications$/, listApplications),
  route('GET', new RegExp(`^/openai/applications/${ID}$`), getApplication),
  route('GET', /^\/openai\/(addons|assistants)$/, emptyList),
  route('POST', /^\/openai\/deployments\/(?<id>.+?)\/(chat\/completions|completions|embeddings)$/, deploymentPost),
  route('GET', /^\/v1\/user\/info$/, userInfo),
  route('GET', /^\/v1\/bucket$/, bucket),
  route('GET', new RegExp(`^/v1/deployments/${ID}/limits$`), deploymentLimits),
];

const ROUTES_BY_METHOD = new Map<string, CoreRoute[]>();
for (const route of CORE_ROUTES) ROUTES_BY_METHOD.set(route.method, [...(ROUTES_BY_METHOD.get(route.method) ?? []), route]);

export function matchCoreRoute(method: string, pathname: string): { route: CoreRoute; params: Record<string, string> } | undefined {
  for (const candidate of ROUTES_BY_METHOD.get(method) ?? []) {
    const match = candidate.pattern.exec(pathname);
    if (!match) continue;
    const params: Record<string, string> = {};
    for (const name in match.groups) params[name] = decodePart(match.groups[name]!);
    return { route: candidate, params };
  }
  return undefined;
}

/** A malformed %-escape stays as written (and so names no deployment) instead of failing the request. */
function decodePart(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
