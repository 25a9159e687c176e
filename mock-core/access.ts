/**
 * Core's access rule for deployments and routes (docs/dial-core.md#user-roles): no `userRoles` is
 * open to every authenticated caller, `[]` to nobody, otherwise any one matching role — for users (roles from
 * the token) and API keys (`roles` + `role`) alike.
 */
/** The rule as it applied, in words, for the request log. */
export function accessRule(userRoles: readonly string[] | undefined, callerRoles: readonly string[]): string {
  if (userRoles === undefined) return 'no userRoles: every authenticated caller';
  if (userRoles.length === 0) return 'userRoles []: nobody';
  const matching = callerRoles.filter((role) => userRoles.includes(role));
  return matching.length
    ? `userRoles ${JSON.stringify(userRoles)} has the caller's ${JSON.stringify(matching[0])}`
    : `userRoles ${JSON.stringify(userRoles)} has none of the caller's roles ${JSON.stringify(callerRoles)}`;
}

export function hasAccess(userRoles: readonly string[] | undefined, callerRoles: readonly string[]): boolean {
  if (userRoles === undefined) return true;
  return callerRoles.some((role) => userRoles.includes(role));
}
