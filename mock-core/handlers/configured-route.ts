/**
 * What no controller takes goes to the config's `routes`, as in Core's RouteController: the first whose
 * methods and paths match (the path as sent, without its query, as 0.25 matches it; a route without `paths`
 * takes every path), checked against its userRoles. None matching is Core's 502 "No route", not a 404
 * (docs/dial-core.md#routes).
 */
import { hasAccess } from '../access.ts';
import { DialError } from '../errors.ts';
import type { CoreExchange } from '../exchange.ts';
import { sendText } from '../http.ts';

export function configuredRoute({ req, res, path, caller, core }: CoreExchange): void {
  const method = req.method!;
  const route = core.config().routes.find((r) => (r.methods.length === 0 || r.methods.includes(method)) && (r.paths.length === 0 || r.paths.some((p) => p.test(path))));
  if (!route) throw new DialError(502, 'No route');
  if (!hasAccess(route.userRoles, caller.roles)) throw new DialError(403, 'Forbidden route');
  if (route.response) return sendText(res, route.response.status, route.response.body);
  core.log.warn(`route "${route.name}" would forward to its upstreams; mock-core does not emulate route forwarding, so it answers 502 No route.`);
  throw new DialError(502, 'No route');
}
