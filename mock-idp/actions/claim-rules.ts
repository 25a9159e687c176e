/**
 * Auth0's custom-claim rules (docs/auth0.md#custom-claims): these names cannot be set by an Action;
 * Auth0 does not fail the login, it silently leaves the claim out.
 */
const RESTRICTED = new Set([
  'acr', 'act', 'active', 'amr', 'at_hash', 'ath', 'attest', 'aud', 'auth_time', 'authorization_details', 'azp',
  'c_hash', 'client_id', 'cnf', 'cty', 'dest', 'entitlements', 'events', 'exp', 'groups', 'gty', 'htm', 'htu',
  'iat', 'internalService', 'iss', 'jcard', 'jku', 'jti', 'jwe', 'jwk', 'kid', 'may_act', 'mky', 'nbf', 'nonce',
  'object_id', 'org_id', 'org_name', 'orig', 'origid', 'permissions', 'roles', 'rph', 's_hash', 'sid', 'sub',
  'sub_jwk', 'toe', 'txn', 'typ', 'uuid', 'vot', 'vtm', 'x5t#S256',
]);

export function isRestrictedClaim(name: string): boolean {
  return RESTRICTED.has(name) || name.startsWith('sip_');
}
