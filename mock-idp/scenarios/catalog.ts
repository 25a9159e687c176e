/**
 * The named fault scenarios: each one a real-world auth failure to reproduce on demand
 * (docs/auth0.md#fault-scenarios; what DIAL Core does with each: docs/dial-core.md#provider-choice,
 * docs/dial-core.md#jwks-cache).
 */
export const SCENARIOS = {
  'jwks-503': 'the JWKS answers 503: Core caches the failure for 10 s per kid, every token with that kid gets 401',
  'jwks-timeout': 'the JWKS never answers: Core fetches without a timeout, so requests with a new kid hang',
  'jwks-slow': 'the JWKS answers after 5 s: the first request with a new kid waits that long',
  'jwks-malformed': 'the JWKS is not JSON: as an outage for Core, 401 for new kids',
  'jwks-empty': 'the JWKS has no keys (a bad key rotation): 401 for every new kid',
  'discovery-503': 'discovery answers 503: DIAL Chat (next-auth) cannot start a login; Core does not read it',
  'token-429': '/oauth/token answers 429 too_many_attempts: logins and Chat\'s refreshes fail',
  'token-500': '/oauth/token answers 500: logins and refreshes fail',
  'token-latency': '/oauth/token answers 1.5 s late: logins and refreshes are slow',
  'token-unpublished-key': 'access tokens are signed with a key the JWKS does not publish (a rotation Core never saw)',
  'token-issuer-no-slash': 'access tokens carry the issuer without Auth0\'s trailing slash (issuerPattern "….+$" no longer matches)',
  'token-alg-hs256': 'access tokens are HS256, signed with the public key as the secret (the algorithm-confusion forgery)',
  'token-alg-none': 'access tokens are unsigned, alg "none"',
  'token-unknown-kid': 'access tokens name a kid the JWKS does not have',
  'token-wrong-aud': 'access tokens are for another API (aud https://another-api.example/)',
  'token-expired': 'access tokens expired a minute ago (clock skew, or a cached token)',
  'token-nbf-future': 'access tokens are not valid for another hour (nbf in the future: clock skew)',
} as const;

export type ScenarioName = keyof typeof SCENARIOS;

export function isScenario(name: string): name is ScenarioName {
  return Object.hasOwn(SCENARIOS, name);
}
