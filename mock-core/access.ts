/**
 * Core's access rule for deployments and routes (reference dial-core-and-chat.md §2.3): no `userRoles` is
 * open to every authenticated caller, `[]` to nobody, otherwise any one matching role — for users (roles from
 * the token) and API keys (`roles` + `role`) alike.
 */
export function hasAccess(userRoles: readonly string[] | undefined, callerRoles: readonly string[]): boolean {
  if (userRoles === undefined) return true;
  return callerRoles.some((role) => userRoles.includes(role));
}
