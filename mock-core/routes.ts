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

export function matchCoreRoute(method: string, pathname: string): { route: CoreRoute; params: Record<string, string> } | undefined {
  for (const candidate of CORE_ROUTES) {
    if (candidate.method !== method) continue;
    const match = candidate.pattern.exec(pathname);
    if (match) return { route: candidate, params: Object.fromEntries(Object.entries(match.groups ?? {}).map(([k, v]) => [k, decodePart(v)])) };
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
