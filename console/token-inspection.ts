/**
 * A pasted token, read as Core reads it, step by step with mock-core's own code: decode (java-jwt's rules),
 * the identity provider for its `iss`, its `kid` among the IdP's published keys, then signature, times and
 * audience (verifyJwt, by the sandbox clock), then the roles at rolePath and each deployment's verdict.
 *
 * It checks against the JWKS as published now; Core's JWK cache may still hold a revoked key, or refuse a
 * new kid for a while after a failed download, and is not read (reading it through Core would fill it).
 */
import { spanInWords } from '../common/time-span.ts';
import { expiryInWords, tokenOf } from '../common/token-words.ts';
import { decodeJwt, verifyJwt, type DecodedJwt } from '../mock-core/auth/jwt.ts';
import { explainRejection } from '../mock-core/auth/token-rejection.ts';
import type { IdentityProvider } from '../mock-core/auth/identity-provider.ts';
import type { AccessView, Verdicts } from './access-view.ts';
import type { ConsoleServices } from './services.ts';

export interface InspectionStep {
  step: string;
  ok: boolean;
  words: string;
}

export interface Inspection {
  header?: Record<string, unknown>;
  claims?: Record<string, unknown>;
  /** By the sandbox clock, saying how far it is from the system clock. */
  expiry?: string;
  expired?: boolean;
  steps: InspectionStep[];
  /** What Core answers a call with this token: 200 and on to the deployment's rule, or its 401. */
  core: { accepted: boolean; words: string };
  /** Each deployment's verdict for the roles read, had Core accepted the token. */
  verdicts?: Verdicts;
}

const UNAUTHORIZED = "401 Bad Authorization header";

export function inspectToken(pasted: string, services: ConsoleServices, access: AccessView): Inspection {
  const steps: InspectionStep[] = [];
  const refuse = (step: string, words: string, rest: Partial<Inspection> = {}): Inspection => {
    steps.push({ step, ok: false, words });
    return { ...rest, steps, core: { accepted: false, words: `${UNAUTHORIZED}: ${words}` } };
  };
  let jwt: DecodedJwt;
  try {
    jwt = decodeJwt(tokenOf(pasted));
  } catch (error) {
    return refuse('decode', `not a JWT Core can read: ${(error as Error).message} (Core then asks its userinfo providers, if it has any)`);
  }
  steps.push({ step: 'decode', ok: true, words: 'three base64url parts of JSON, as java-jwt reads them' });
  const now = services.clock.now();
  const exp = jwt.payload.exp;
  const shown: Partial<Inspection> = {
    header: jwt.header,
    claims: jwt.payload,
    expiry: `${expiryInWords(exp, now)} ${byTheSandboxClock(now)}`,
    expired: typeof exp === 'number' && exp * 1000 <= now,
  };
  const { core, idp } = services;
  if (!core) return { ...shown, steps, core: { accepted: false, words: 'no mock-core runs in this environment' } };

  let provider: IdentityProvider;
  try {
    provider = core.validator.providerFor(jwt.payload);
  } catch (error) {
    return refuse('identity provider', `${(error as Error).message} (${explainRejection(error)})`, shown);
  }
  steps.push({ step: 'identity provider', ok: true, words: `${provider.name}${core.validator.providers.length > 1 ? ` (its issuerPattern matches iss ${String(jwt.payload.iss)})` : ' (Core has one, so whatever the iss)'}` });

  if (provider.settings.disableJwtVerification || !provider.settings.jwksUrl) {
    steps.push({ step: 'signature', ok: true, words: `not checked: the provider ${provider.settings.disableJwtVerification ? 'has disableJwtVerification' : 'has no jwksUrl'}` });
  } else {
    const kid = jwt.header.kid;
    if (typeof kid !== 'string') return refuse('kid', `the header has no kid: Core finds the key at ${provider.settings.jwksUrl} by kid`, shown);
    const key = idp.keys.find(kid);
    const ownJwks = [idp.httpUrl, idp.httpsUrl].some((origin) => provider.settings.jwksUrl === `${origin}/.well-known/jwks.json`);
    const where = ownJwks ? '' : ` (Core's jwksUrl is ${provider.settings.jwksUrl}, not this IdP's; the kid was looked for in this IdP's)`;
    if (!key) return refuse('kid', `kid ${kid} is not in the JWKS; it lists ${idp.keys.published().map((k) => k.kid).join(', ')}${where}`, shown);
    steps.push({ step: 'kid', ok: true, words: `${kid} is the IdP's ${KEY_ROLE_WORDS[keyRole(idp.keys, kid)]} key${where}` });
    try {
      verifyJwt(jwt, key.publicKey, now, provider.settings.audience);
    } catch (error) {
      return refuse('signature, times and audience', `${(error as Error).message} — ${explainRejection(error)}, ${byTheSandboxClock(now)}`, { ...shown, verdicts: access.verdicts(jwt.payload) });
    }
    steps.push({ step: 'signature, times and audience', ok: true, words: `RS256 signature verifies; exp, nbf and iat hold ${byTheSandboxClock(now)}${provider.settings.audience ? `; aud has ${provider.settings.audience}` : '; no audience is required'}` });
  }
  const verdicts = access.verdicts(jwt.payload);
  steps.push({ step: 'roles', ok: true, words: `${JSON.stringify(verdicts.reading.roles)} at rolePath ${verdicts.reading.rolePath.join(', ')}` });
  return { ...shown, steps, core: { accepted: true, words: 'accepted: the deployment\'s userRoles decide next' }, verdicts };
}

/** A published key's place in the IdP's ring. */
export function keyRole(keys: ConsoleServices['idp']['keys'], kid: string): 'current' | 'next' | 'previous' {
  if (keys.current.kid === kid) return 'current';
  if (keys.next.kid === kid) return 'next';
  return 'previous';
}

const KEY_ROLE_WORDS = { current: 'current', next: 'next (published ahead of a rotation)', previous: 'previous (rotated out, still published)' };

/** "by the sandbox clock (1.0 h ahead of the system clock)". */
export function byTheSandboxClock(now: number): string {
  const ahead = Math.round((now - Date.now()) / 1000);
  if (Math.abs(ahead) < 2) return 'by the sandbox clock (the system clock\'s time)';
  return `by the sandbox clock (${spanInWords(ahead)} ${ahead > 0 ? 'ahead of' : 'behind'} the system clock)`;
}
