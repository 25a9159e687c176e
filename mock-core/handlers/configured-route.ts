/**
 * What no controller takes goes to the config's `routes`, as in Core's RouteController: the first whose
 * methods and paths match (the path with its query), checked against its userRoles. None matching is Core's
 * 502 "No route", not a 404 (docs/dial-core.md#routes).
 */
import { hasAccess } from '../access.ts';
import { DialError } from '../errors.ts';
import type { CoreExchange } from '../exchange.ts';
import { sendText } from '../http.ts';

export function configuredRoute({ req, res, url, caller, core }: CoreExchange): void {
  const method = req.method!;
  const target = `${url.pathname}${url.search}`;
  const route = core.config().routes.find((r) => (r.methods.length === 0 || r.methods.includes(method)) && r.paths.some((p) => p.test(target)));
  if (!route) throw new DialError(502, 'No route');
  if (!hasAccess(route.userRoles, caller.roles)) throw new DialError(403, 'Forbidden route');
  if (route.response) return sendText(res, route.response.status, route.response.body);
  core.log.warn(`route "${route.name}" would forward to its upstreams; mock-core does not emulate route forwarding, so it answers 502 No route.`);
  throw new DialError(502, 'No route');
}
