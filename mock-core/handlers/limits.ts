/**
 * GET /v1/deployments/{id}/limits: the caller's limits and usage for a deployment
 * (docs/dial-core.md#limits-endpoint).
 */
import { hasAccess } from '../access.ts';
import { DialError } from '../errors.ts';
import type { CoreExchange } from '../exchange.ts';
import { sendJson } from '../http.ts';
import { statsJson } from '../limits/rate-limiter.ts';
import { selectDeployment } from './deployment-post.ts';

export function deploymentLimits({ res, params, caller, core }: CoreExchange): void {
  const config = core.config();
  const deployment = selectDeployment(config, params.id!);
  if (!hasAccess(deployment.userRoles, caller.roles)) throw new DialError(403, `Forbidden deployment: ${params.id}`);
  if (caller.kind === 'user' && !caller.sub) throw new DialError(500, `Failed to get limit stats for deployment=${params.id}`);
  sendJson(res, 200, statsJson(core.limiter.stats(caller, deployment, config)));
}
