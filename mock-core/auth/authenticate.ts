/**
 * Who is calling, from the API-KEY and Authorization headers, as Core's Proxy decides it
 * (docs/dial-core.md#credentials, docs/dial-core.md#per-request-keys).
 */
import { randomFillSync } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

import type { CoreConfig } from '../config.ts';
import { DialError } from '../errors.ts';
import { header } from '../http.ts';
import type { UserClaims } from './identity-provider.ts';
import { explainRejection } from './token-rejection.ts';
import type { TokenValidator } from './token-validator.ts';

export type Principal = (({ kind: 'user'; token: string } & UserClaims) | { kind: 'key'; key: string; project: string; roles: string[] }) & {
  /** Set when the caller came back with a per-request key Core made: the key, standing for the original caller. */
  viaPerRequestKey?: string;
  /** With a per-request key: what Core made it for (docs/dial-core.md#resource-access). */
  perRequest?: PerRequestGrant;
};

/** A per-request key's reach: the deployment it was made for, and the resources the request attached. */
export interface PerRequestGrant {
  deployment: string;
  /** Resource URLs (`files/<bucket>/…`) the forwarded request carried, readable with the key. */
  attachments: ReadonlySet<string>;
  /** Made for an interceptor: where in the chain it is (docs/dial-core.md#interceptors). */
  chain?: InterceptorChain;
}

/** A call's way through its deployment's interceptors, carried by each interceptor's per-request key. */
export interface InterceptorChain {
  names: readonly string[];
  /** The interceptor this key was made for. */
  index: number;
  /** The deployment first called, and its API (`chat/completions`, …), called once the chain is through. */
  initialDeployment: string;
  initialApi: string;
}

/** Random bytes drawn a page at a time: a key takes 24 of them. */
const entropy = Buffer.alloc(24 * 256);
let entropyUsed = entropy.length;

/**
 * A per-request key as Core's ApiKeyGenerator makes one: 32 characters drawn uniformly from the 64 of
 * base64url (Core's dictionary is the same letters, digits, "-" and "_" in another order).
 */
export function newPerRequestKey(): string {
  if (entropyUsed === entropy.length) {
    randomFillSync(entropy);
    entropyUsed = 0;
  }
  entropyUsed += 24;
  return entropy.toString('base64url', entropyUsed - 24, entropyUsed);
}

/** Keys Core makes up for each forwarded request, valid while it runs (the "per-request" API keys). */
export class PerRequestKeys {
  readonly #keys = new Map<string, { caller: Principal; grant: PerRequestGrant }>();

  /** Kept as given, on every forwarded call; the principal the key stands for is made only when it comes back. */
  issue(key: string, caller: Principal, grant: PerRequestGrant): void {
    this.#keys.set(key, { caller, grant });
  }

  revoke(key: string): void {
    this.#keys.delete(key);
  }

  get(key: string): Principal | undefined {
    const issued = this.#keys.get(key);
    return issued && { ...issued.caller, viaPerRequestKey: key, perRequest: issued.grant };
  }
}

export async function authenticate(req: IncomingMessage, config: CoreConfig, validator: TokenValidator, perRequest: PerRequestKeys): Promise<Principal> {
  const apiKey = header(req, 'api-key');
  const authorization = header(req, 'authorization');
  if (apiKey === undefined && authorization === undefined) {
    throw new DialError(401, 'At least API-KEY or Authorization header must be provided');
  }
  if (authorization === undefined) return lookupKey(apiKey!, config, perRequest);

  // Core splits on one space and takes the second part; the scheme itself is not checked.
  const token = secondPart(authorization);
  if (apiKey === undefined) return validateToken(token, validator);
  // A bare "Bearer" beside a key: the key is used (Core PR #677).
  if (authorization.trim().toLowerCase() === 'bearer') return lookupKey(apiKey, config, perRequest);
  // Any other one-part value ("sometoken", "Basic") beside a key: Core reads a second part that is not
  // there, and the unhandled error is its 500 with an empty body (docs/dial-core.md#credentials).
  if (token === undefined) throw new DialError(500, '');
  if (token === apiKey) return validateToken(token, validator).catch(() => lookupKey(apiKey, config, perRequest));
  const byKey = lookupKey(apiKey, config, perRequest);
  // Since Core 0.38 a per-request key may come with an Authorization header; any other key may not.
  if (!byKey.viaPerRequestKey) throw new DialError(400, 'Provided API key is not per request key');
  return byKey;
}

/** Java's `value.split(" ")[1]`: trailing empty parts dropped, so "Basic " has none. */
function secondPart(value: string): string | undefined {
  const parts = value.split(' ');
  while (parts.length > 0 && parts.at(-1) === '') parts.pop();
  return parts[1];
}

async function validateToken(token: string | undefined, validator: TokenValidator): Promise<Principal> {
  if (!token) throw new DialError(401, 'Bad Authorization header', {}, 'no token: Core takes what follows the first space of the Authorization header');
  try {
    return { kind: 'user', token, ...(await validator.validate(token)) };
  } catch (error) {
    // One answer whatever the reason, as Core's; the reason goes to the request log only.
    throw new DialError(401, 'Bad Authorization header', {}, explainRejection(error));
  }
}

function lookupKey(apiKey: string, config: CoreConfig, perRequest: PerRequestKeys): Principal {
  const projectKey = config.keys.get(apiKey);
  if (projectKey) return { kind: 'key', key: apiKey, project: projectKey.project, roles: projectKey.roles };
  const caller = perRequest.get(apiKey);
  if (caller) return caller;
  throw new DialError(401, 'Unknown api key');
}
