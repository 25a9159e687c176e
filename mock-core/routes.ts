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
const ID = '(?<id>[^/]+)';

export const CORE_ROUTES: readonly CoreRoute[] = [
  route('GET', /^\/openai\/models$/, listModels),
  route('GET', new RegExp(`^/openai/models/${ID}$`), getModel),
  route('GET', /^\/openai\/deployments$/, listModels),
  route('GET', new RegExp(`^/openai/deployments/${ID}$`), getModel),
  route('GET', /^\/openai\/applications$/, listApplications),
  route('GET', new RegExp(`^/openai/applications/${ID}$`), getApplication),
  route('GET', /^\/openai\/(addons|assistants)$/, emptyList),
  route('POST', new RegExp(`^/openai/deployments/${ID}/(chat/completions|completions|embeddings)$`), deploymentPost),
  route('GET', /^\/v1\/user\/info$/, userInfo),
  route('GET', /^\/v1\/bucket$/, bucket),
  route('GET', new RegExp(`^/v1/deployments/${ID}/limits$`), deploymentLimits),
];

/** Core allows any number of leading slashes. */
export function matchCoreRoute(method: string, pathname: string): { route: CoreRoute; params: Record<string, string> } | undefined {
  const path = pathname.replace(/^\/+/, '/');
  for (const candidate of CORE_ROUTES) {
    if (candidate.method !== method) continue;
    const match = candidate.pattern.exec(path);
    if (match) return { route: candidate, params: Object.fromEntries(Object.entries(match.groups ?? {}).map(([k, v]) => [k, decodeURIComponent(v)])) };
  }
  return undefined;
}
