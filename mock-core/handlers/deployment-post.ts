/**
 * POST /openai/deployments/{id}/chat/completions | completions | embeddings, step by step as Core's
 * DeploymentPostController (docs/dial-core.md#deployment-call).
 */
import { hasAccess } from '../access.ts';
import type { CoreConfig, Deployment } from '../config.ts';
import { DialError } from '../errors.ts';
import type { CoreExchange } from '../exchange.ts';
import { header, readBody } from '../http.ts';
import { isObject } from '../json-merge.ts';
import { costOf } from '../limits/cost.ts';
import { usageOf } from '../limits/usage.ts';
import { checkedAttachments } from '../storage/attachments.ts';
import { forward } from '../upstream/forward.ts';

export async function deploymentPost(exchange: CoreExchange): Promise<void> {
  const { req, res, url, params, caller, core, notes } = exchange;
  if (!header(req, 'content-type')?.includes('application/json')) throw new DialError(415, 'Only application/json is supported');
  const config = core.config();
  const deployment = selectDeployment(config, params.id!);
  notes.rule = { deployment: deployment.name, userRoles: deployment.userRoles, callerRoles: caller.roles };
  if (!hasAccess(deployment.userRoles, caller.roles)) throw new DialError(403, `Forbidden deployment: ${deployment.name}`);
  if (!deployment.endpoint) throw new DialError(503);
  // Named by the deployment that called back with the key (Core's source deployment), never the key itself.
  if (caller.perRequest && !deployment.accessibleByPerRequestKey) {
    throw new DialError(403, `Deployment ${deployment.name} is not accessible by ${caller.perRequest.deployment}`);
  }
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
    query: url.search,
    retriableErrorCodes: config.retriableErrorCodes,
    balancer: core.balancer,
    perRequestKeys: core.perRequestKeys,
    attachments,
    client: core.upstreamClient,
    onSuccess: deployment.kind === 'model' ? chargeFor : undefined,
  });
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
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new DialError(400);
  }
  if (!isObject(body)) throw new DialError(400);
  const missing = Object.keys(deployment.defaults).filter((key) => !(key in body));
  if (missing.length === 0 && !deployment.overrideName) return { bytes: raw, json: body };
  const changed: Record<string, unknown> = { ...body };
  for (const key of missing) changed[key] = deployment.defaults[key];
  if (deployment.overrideName) changed.model = deployment.overrideName;
  return { bytes: Buffer.from(JSON.stringify(changed)), json: changed };
}
