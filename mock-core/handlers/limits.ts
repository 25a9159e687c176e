/** GET /v1/deployments/{id}/limits: the caller's limits and usage for a deployment (dial-core-newest.md §3). */
import { hasAccess } from '../access.ts';
import { DialError } from '../errors.ts';
import type { CoreExchange } from '../exchange.ts';
import { CORS_HEADERS } from '../http.ts';
import { statsJson } from '../limits/rate-limiter.ts';
import { selectDeployment } from './deployment-post.ts';

export function deploymentLimits({ res, params, caller, core }: CoreExchange): void {
  const config = core.config();
  const deployment = selectDeployment(config, params.id!);
  if (!hasAccess(deployment.userRoles, caller.roles)) throw new DialError(403, `Forbidden deployment: ${params.id}`);
  const body = statsJson(core.limiter.stats(caller, deployment, config));
  res.writeHead(200, { ...CORS_HEADERS, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
