/**
 * Who may read and write a resource, as Core's AccessService decides it (docs/dial-core.md#resource-access):
 * the rules in Core's order, each adding permissions, until READ and WRITE are both found.
 */
import type { Principal } from '../auth/authenticate.ts';
import { fullMatch, javaRegex } from '../java-regex.ts';
import type { AdminRule } from '../settings.ts';
import { PUBLIC_LOCATION, type Resource } from './resource-url.ts';
import { initiatorLocation, locationOf } from './locations.ts';

export type Permission = 'READ' | 'WRITE';
export type Permissions = ReadonlySet<Permission>;

const ALL: Permissions = new Set(['READ', 'WRITE']);

/** What a share grants; the sharing state answers it (docs/dial-core.md#sharing). */
export interface SharedAccess {
  permissionsOf(userLocation: string, resource: Resource): Permissions;
}

export interface AccessRules {
  adminRules: readonly AdminRule[];
  shares: SharedAccess;
}

export function permissionsOn(resource: Resource, caller: Principal, rules: AccessRules): Permissions {
  // Own bucket: for a per-request key, the bucket of the deployment it was made for.
  if (resource.location === locationOf(caller)) return ALL;
  if (isAdmin(caller, rules.adminRules)) return ALL;
  const found = new Set<Permission>();
  if (caller.perRequest) {
    // What the forwarded request attached (Core's "auto-shared" files): readable with its key.
    if (caller.perRequest.attachments.has(resource.url) || [...caller.perRequest.attachments].some((url) => url.endsWith('/') && resource.url.startsWith(url))) found.add('READ');
    // The deployment's own folder in the user's bucket.
    if (resource.location === initiatorLocation(caller) && resource.segments.join('/').startsWith(`appdata/${caller.perRequest.deployment}`)) return ALL;
  }
  // The public bucket: readable where the publication rules allow; with nothing published there are no
  // rules, and no rules let everyone read.
  if (resource.location === PUBLIC_LOCATION) found.add('READ');
  for (const permission of rules.shares.permissionsOf(initiatorLocation(caller), resource)) found.add(permission);
  return found;
}

/**
 * Core's admin rules (`access.admin.rules`, RuleMatcher): any rule matching makes the caller an admin, and
 * **no rules at all make everyone one**. Never through a per-request key; never an API key, which has no claims.
 */
export function isAdmin(caller: Principal, rules: readonly AdminRule[]): boolean {
  if (caller.perRequest) return false;
  if (rules.length === 0) return true;
  if (caller.kind !== 'user') return false;
  return rules.some((rule) => {
    const sources = rule.source === 'roles' ? caller.roles : caller.userClaims[rule.source];
    if (!sources) return false;
    const targets = rule.targets ?? [];
    switch (rule.function) {
      case 'TRUE':
        return true;
      case 'FALSE':
        return false;
      case 'EQUAL':
        return targets.some((target) => sources.some((source) => source.toLowerCase() === target.toLowerCase()));
      case 'CONTAIN':
        return targets.some((target) => sources.some((source) => source.toLowerCase().includes(target.toLowerCase())));
      case 'REGEX':
        return targets.some((target) => sources.some((source) => fullMatch(javaRegex(target)).test(source)));
    }
  });
}
