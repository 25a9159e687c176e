/**
 * The named fault scenarios, each one a real-world auth failure to reproduce on demand (docs/auth0.md#fault-scenarios;
 * what DIAL Core does with each: docs/dial-core.md#provider-choice, docs/dial-core.md#jwt-verification,
 * docs/dial-core.md#jwks-cache). One entry per scenario: its name, what it reproduces, what DIAL Core does with
 * it, where it acts and what it does there. The catalog's type wants all of it, so a scenario named without
 * its behaviour (or without saying what Core makes of it) does not compile.
 */
import { holdUntilCleared, late, unavailable, type Fault } from './faults.ts';
import { signHs256WithPublicKey, signWithUnpublishedKey, unsigned, type Spoil } from './mutate-token.ts';

interface Described {
  description: string;
  /**
   * What DIAL Core does with it under Core's default settings (one identity provider, no `audience`), and
   * why, in a few words: `dial-sandbox scenario --list` prints it, so that nobody expects a 401 from a
   * scenario Core does not notice.
   */
  atCore: string;
}

/** Answers (or holds) a request in place of the JWKS, the other /.well-known documents, or /oauth/token. */
interface EndpointScenario extends Described {
  at: 'jwks' | 'discovery' | 'token-endpoint';
  fault: Fault;
}

/** Spoils the access tokens /oauth/token answers with, and those /__control/tokens mints. */
interface AccessTokenScenario extends Described {
  at: 'access-token';
  spoil: Spoil;
}

export type Scenario = EndpointScenario | AccessTokenScenario;
export type ScenarioCatalog = Record<string, Scenario>;

export const SCENARIOS = {
  'jwks-503': {
    description: 'the JWKS answers 503: Core caches the failure for 10 s per kid, every token with that kid gets 401',
    atCore: '401 for a token whose kid Core has not cached (a cached key keeps working for 10 min)',
    at: 'jwks', fault: unavailable,
  },
  'jwks-timeout': {
    description: 'the JWKS never answers: Core fetches without a timeout, so requests with a new kid hang',
    atCore: 'a request with a kid Core has not cached hangs (its JWKS fetch has no timeout)',
    at: 'jwks', fault: holdUntilCleared,
  },
  'jwks-slow': {
    description: 'the JWKS answers after 5 s: the first request with a new kid waits that long',
    atCore: 'the first request with a kid Core has not cached waits 5 s; cached kids are not slowed',
    at: 'jwks', fault: late(5_000),
  },
  'jwks-malformed': {
    description: 'the JWKS is not JSON: as an outage for Core, 401 for new kids',
    atCore: '401 for a token whose kid Core has not cached; cached kids keep working',
    at: 'jwks', fault: (res) => void res.type('json').send('{"keys": [{"kty": "RSA", "kid"'),
  },
  'jwks-empty': {
    description: 'the JWKS has no keys (a bad key rotation): 401 for every new kid',
    atCore: '401 for a token whose kid Core has not cached; cached kids keep working',
    at: 'jwks', fault: (res) => void res.json({ keys: [] }),
  },
  'discovery-503': {
    description: 'discovery answers 503: DIAL Chat (next-auth) cannot start a login; Core does not read it',
    atCore: 'nothing: Core reads only the jwksUrl it is given, never discovery',
    at: 'discovery', fault: unavailable,
  },
  'token-429': {
    description: '/oauth/token answers 429 too_many_attempts: logins and Chat\'s refreshes fail',
    atCore: 'nothing: Core never calls /oauth/token; the clients get no new tokens',
    at: 'token-endpoint',
    fault: (res) => void res.status(429).set('Retry-After', '30').json({
      error: 'too_many_attempts', error_description: 'We have detected suspicious login behavior and further attempts will be blocked. Please contact the administrator.',
    }),
  },
  'token-500': {
    description: '/oauth/token answers 500: logins and refreshes fail',
    atCore: 'nothing: Core never calls /oauth/token; the clients get no new tokens',
    at: 'token-endpoint', fault: (res) => void res.status(500).json({ error: 'server_error', error_description: 'Internal Server Error' }),
  },
  'token-latency': {
    description: '/oauth/token answers 1.5 s late: logins and refreshes are slow',
    atCore: 'nothing: Core never calls /oauth/token',
    at: 'token-endpoint', fault: late(1_500),
  },
  'token-unpublished-key': {
    description: 'access tokens are signed with a key the JWKS does not publish (a rotation Core never saw)',
    atCore: '401: the signature does not verify with the published key of that kid',
    at: 'access-token', spoil: signWithUnpublishedKey,
  },
  'token-issuer-no-slash': {
    description: 'access tokens carry the issuer without Auth0\'s trailing slash (issuerPattern "….+$" no longer matches)',
    atCore: 'nothing with the default settings: with one provider Core never reads iss (401 with two or more)',
    at: 'access-token', spoil: ({ payload, resign }) => resign({ ...payload, iss: String(payload.iss).replace(/\/$/, '') }),
  },
  'token-alg-hs256': {
    description: 'access tokens are HS256, signed with the public key as the secret (the algorithm-confusion forgery)',
    atCore: '401: Core verifies RS256 only',
    at: 'access-token', spoil: signHs256WithPublicKey,
  },
  'token-alg-none': {
    description: 'access tokens are unsigned, alg "none"',
    atCore: '401: Core verifies RS256 only',
    at: 'access-token', spoil: unsigned,
  },
  'token-unknown-kid': {
    description: 'access tokens name a kid the JWKS does not have',
    atCore: '401: the kid is not in the JWKS (the miss cached 10 s)',
    at: 'access-token', spoil: ({ payload, keys, resign }) => resign(payload, keys.current.privateKey, 'kid-nobody-published'),
  },
  'token-wrong-aud': {
    description: 'access tokens are for another API (aud https://another-api.example/)',
    atCore: 'nothing with the default settings: Core checks aud only when the provider sets audience',
    at: 'access-token', spoil: ({ payload, resign }) => resign({ ...payload, aud: 'https://another-api.example/' }),
  },
  'token-expired': {
    description: 'access tokens expired a minute ago (clock skew, or a cached token)',
    atCore: '401: exp has passed (Core allows no leeway)',
    at: 'access-token', spoil: ({ payload, now, resign }) => resign({ ...payload, iat: now - 3_660, exp: now - 60 }),
  },
  'token-nbf-future': {
    description: 'access tokens are not valid for another hour (nbf in the future: clock skew)',
    atCore: '401: nbf is still ahead (Core allows no leeway)',
    at: 'access-token', spoil: ({ payload, now, resign }) => resign({ ...payload, nbf: now + 3_600 }),
  },
} satisfies ScenarioCatalog;

export type ScenarioName = keyof typeof SCENARIOS;

export function isScenario(name: string): name is ScenarioName {
  return Object.hasOwn(SCENARIOS, name);
}
