/**
 * mock-models' routes, in the order a request meets them: the table of contents of the stub models. A path no
 * row has is notServed (404), a method its rows lack methodNotAllowed (405); an error on any row goes to the
 * one error handler (error-handler.ts), last.
 */
import { matchSegments, segmentsOf, type SegmentMatch } from '../common/segment-routes.ts';
import type { Handler } from './exchange.ts';
import { chatCompletions } from './handlers/chat-completions.ts';
import { completions } from './handlers/completions.ts';
import { clearFault, clearRequests, describeModels, readRequests, reset, setFault } from './handlers/control.ts';
import { embeddings } from './handlers/embeddings.ts';
import { home } from './handlers/home.ts';
import { health, listModels } from './handlers/list-models.ts';

export interface Route {
  method: string;
  /** Segments; `:name` captures one. */
  path: string[];
  handler: Handler;
}

const route = (method: string, path: string, handler: Handler): Route => ({ method, path: segmentsOf(path), handler });

/** The operations of an OpenAI adapter, under each path family a deployment is reached at. */
const deploymentRoutes = (prefix: string) => [
  route('POST', `${prefix}/:deployment/chat/completions`, chatCompletions),
  route('POST', `${prefix}/:deployment/completions`, completions),
  route('POST', `${prefix}/:deployment/embeddings`, embeddings),
];

export const ROUTES: readonly Route[] = [
  // For a person, not a client: what this is and where to go.
  route('GET', '/', home),
  route('GET', '/healthz', health),
  route('GET', '/v1/models', listModels),
  route('POST', '/v1/chat/completions', chatCompletions),
  route('POST', '/v1/completions', completions),
  route('POST', '/v1/embeddings', embeddings),
  ...deploymentRoutes('/v1/openai/deployments'), // the tutorial's adapter URLs
  ...deploymentRoutes('/openai/deployments'), // Azure OpenAI's, as AzureOpenAI and DIAL clients call them
  route('GET', '/__control/models', describeModels),
  route('PUT', '/__control/models/:model/fault', setFault),
  route('DELETE', '/__control/models/:model/fault', clearFault),
  route('GET', '/__control/models/:model/requests', readRequests),
  route('DELETE', '/__control/models/:model/requests', clearRequests),
  route('POST', '/__control/reset', reset),
];

/** The sandbox's own controls (/__control/…), which a control token guards. */
export const isControl = (candidate: Route): boolean => candidate.path[0] === '__control';

/** The route for a method and path; or the methods the path allows; or nothing. */
export const matchRoute = (method: string, pathname: string): SegmentMatch<Route> => matchSegments(ROUTES, method, pathname);
