/**
 * POST /openai/deployments/{id}/chat/completions | completions | embeddings, step by step as Core's
 * DeploymentPostController (docs/dial-core.md#deployment-call).
 */
import { hasAccess } from '../access.ts';
import type { InterceptorChain } from '../auth/authenticate.ts';
import type { CoreConfig, Deployment } from '../config.ts';
import { DialError } from '../errors.ts';
import type { CoreExchange } from '../exchange.ts';
import { header, jsonObjectOf, readBody } from '../http.ts';
import { costOf } from '../limits/cost.ts';
import { usageOf } from '../limits/usage.ts';
import { checkedAttachments } from '../storage/attachments.ts';
import { forward } from '../upstream/forward.ts';

export async function deploymentPost(exchange: CoreExchange): Promise<void> {
  const { req, params, caller, path } = exchange;
  if (!header(req, 'content-type')?.includes('application/json')) throw new DialError(415, 'Only application/json is supported');
  // The special deployment `interceptor`: an interceptor passing the call on to the next one, or, after the
  // last, to the deployment first called (docs/dial-core.md#interceptors).
  if (params.id === 'interceptor') {
    const chain = caller.perRequest?.chain;
    // Core reads a chain a caller without one does not have: its unhandled error, a 500 with no body.
    if (!chain) throw new DialError(500, '');
    return callInterceptor(exchange, { ...chain, index: chain.index + 1 });
  }
  return callDeployment(exchange, params.id!, /\/(chat\/completions|completions|embeddings)$/.exec(path)![1]!);
}

async function callDeployment(exchange: CoreExchange, id: string, api: string): Promise<void> {
  const { req, res, caller, core, notes } = exchange;
  const config = core.config();
  const deployment = selectDeployment(config, id);
  notes.rule = { deployment: deployment.name, userRoles: deployment.userRoles, callerRoles: caller.roles };
  if (!hasAccess(deployment.userRoles, caller.roles)) throw new DialError(403, `Forbidden deployment: ${deployment.name}`);
  if (!deployment.endpoint) throw new DialError(503);
  // Named by the deployment that called back with the key (Core's source deployment), never the key itself.
  if (caller.perRequest && !deployment.accessibleByPerRequestKey) {
    throw new DialError(403, `Deployment ${deployment.name} is not accessible by ${caller.perRequest.deployment}`);
  }
  // Interceptors first (ProxyContext.hasNextInterceptor): the deployment's own, unless this call is the
  // chain coming back to the deployment it started from.
  const chain = caller.perRequest?.chain;
  const interceptorsAhead = chain && chain.initialDeployment === deployment.name ? chain.index + 1 < chain.names.length : deployment.interceptors.length > 0;
  if (interceptorsAhead) return callInterceptor(exchange, { names: deployment.interceptors, index: 0, initialDeployment: id, initialApi: api });
  if (deployment.kind === 'model') core.limiter.check(caller, deployment, config);

  const { bytes: body, json: request } = withDefaults(deployment, await readBody(req));
  const attachments = checkedAttachments(request, caller, core.storage);
  // After a 200: the tokens the answer reports, and what they cost. An answer Core cannot price (not the JSON
  // or stream it expects) is charged nothing, as Core logs the failure and charges nothing.
  const chargeFor = (answer: string) => {
    const usage = usageOf(answer);
    let cost: number | undefined;
    try {
      cost = costOf(deployment.pricing, deployment.type, request, answer, usage);
    } catch {
      cost = undefined;
    }
    core.limiter.record(caller, deployment, usage, cost);
  };
  await forward({
    req,
    res,
    deployment,
    caller,
    body,
    query: queryOf(exchange),
    retriableErrorCodes: config.retriableErrorCodes,
    balancer: core.balancer,
    perRequestKeys: core.perRequestKeys,
    attachments,
    client: core.upstreamClient,
    onSuccess: deployment.kind === 'model' ? chargeFor : undefined,
  });
}

/**
 * The chain's interceptor at `chain.index` (past the last: the deployment first called), as Core's
 * InterceptorController sends to it: every header of the call (Authorization included), a per-request key
 * that carries the chain, the body once its attachments are checked, and its answer passed back as it is.
 */
async function callInterceptor(exchange: CoreExchange, chain: InterceptorChain): Promise<void> {
  if (chain.index >= chain.names.length) return callDeployment(exchange, chain.initialDeployment, chain.initialApi);
  const { req, res, caller, core } = exchange;
  const config = core.config();
  const name = chain.names[chain.index]!;
  const interceptor = config.interceptors.get(name);
  if (!interceptor) throw new DialError(404, 'Interceptor is not found');
  const body = await readBody(req);
  const attachments = checkedAttachments(jsonObjectOf(body), caller, core.storage);
  if (!interceptor.endpoint) throw new DialError(502, 'Failed to connect to origin');
  await forward({
    req,
    res,
    deployment: interceptorDeployment(name, interceptor.endpoint),
    caller,
    body,
    query: queryOf(exchange),
    retriableErrorCodes: [],
    balancer: core.balancer,
    perRequestKeys: core.perRequestKeys,
    attachments,
    interceptorChain: chain,
    client: core.upstreamClient,
  });
}

/** An interceptor, forwarded to as a deployment of one endpoint that sees the caller's Authorization. */
function interceptorDeployment(name: string, endpoint: string): Deployment {
  return { name, kind: 'application', endpoint, forwardAuthToken: true, upstreams: [], maxRetryAttempts: 1, defaults: {}, accessibleByPerRequestKey: true, interceptors: [], entry: {} };
}


/** Applications first, then models, as Core's Config.selectDeployment. */
export function selectDeployment(config: CoreConfig, id: string): Deployment {
  const deployment = config.applications.get(id) ?? config.models.get(id);
  // Core 0.39's wording (DeploymentService); 0.25 said "Unknown application: <id>".
  if (!deployment) throw new DialError(404, `Unknown deployment: ${id}`);
  return deployment;
}

/**
 * The body must be a JSON object (else 400, empty). Core fills in the deployment's `defaults` for missing
 * top-level keys and puts `overrideName` into `model`; the bytes go on unchanged when it changes nothing.
 */
function withDefaults(deployment: Deployment, raw: Buffer): { bytes: Buffer; json: Record<string, unknown> } {
  const body = jsonObjectOf(raw);
  const missing = Object.keys(deployment.defaults).filter((key) => !(key in body));
  if (missing.length === 0 && !deployment.overrideName) return { bytes: raw, json: body };
  const changed: Record<string, unknown> = { ...body };
  for (const key of missing) changed[key] = deployment.defaults[key];
  if (deployment.overrideName) changed.model = deployment.overrideName;
  return { bytes: Buffer.from(JSON.stringify(changed)), json: changed };
}

/** The caller's query as Core appends it (URL's reading of it); a target without '?' has none, and no URL is parsed for it. */
function queryOf(exchange: CoreExchange): string {
  return exchange.req.url?.includes('?') ? exchange.url.search : '';
}
