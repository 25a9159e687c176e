/** The IdP's request log: every /oauth/token answer, with who asked and what was issued (signatures cut). */
import type { ServerResponse } from 'node:http';

import type { NextFunction, Request, Response } from 'express';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';

import { RequestLog, tokenForLog } from '../../common/request-log.ts';
import { TOKEN_BODY_LIMIT } from '../request-body.ts';

/** What is kept as the answer goes out: the request's fields and the answer's body, shaped only when read. */
interface TokenRequestFacts {
  endpoint: string;
  fields: Record<string, unknown>;
  /** The body's Content-Length; a chunked body counts as the largest the IdP reads (TOKEN_BODY_LIMIT). */
  bodyBytes: number;
  status: number;
  answer: string;
  /** Why the answer is not kept, when it was too large to. */
  cut?: string;
  /** What oidc-provider knew of the grant once it had answered: the client and the user, whatever the grant type. */
  grant?: GrantFacts;
}

interface GrantFacts {
  clientId?: string;
  accountId?: string;
}

/** Where oidc-provider's grant events leave the facts for the log, on the response they answer with. */
const GRANT_FACTS = Symbol('grant facts');
type WithGrantFacts = ServerResponse & { [GRANT_FACTS]?: GrantFacts };

/**
 * The client and the user of every grant, successful or not, as oidc-provider resolved them: a code, a
 * refresh token or HTTP Basic credentials name them only to the IdP.
 */
export function noteGrants(provider: Provider): void {
  const note = (ctx: KoaContextWithOIDC) => {
    (ctx.res as WithGrantFacts)[GRANT_FACTS] = { clientId: ctx.oidc?.client?.clientId, accountId: ctx.oidc?.entities.AccessToken?.accountId ?? ctx.oidc?.entities.Account?.accountId };
  };
  provider.on('grant.success', note);
  provider.on('grant.error', note);
}

export interface IdpLogEntry {
  endpoint: string;
  grant_type?: string;
  client_id?: string;
  user?: string;
  audience?: string;
  status: number;
  error?: string;
  access_token?: ReturnType<typeof tokenForLog>;
  cut?: string;
}

export type IdpRequestLog = RequestLog<TokenRequestFacts, IdpLogEntry>;

/** `emailOf` names a user by email, as a password grant's `username` does. */
export const createIdpRequestLog = (emailOf: (userId: string) => string | undefined): IdpRequestLog => new RequestLog({ present: (facts) => present(facts, emailOf), size, cut });

const size = ({ bodyBytes, answer }: TokenRequestFacts) => bodyBytes + answer.length;

/** An answer too large to keep (a token carrying megabytes of claims): its status and fields stay. */
function cut(facts: TokenRequestFacts, _bytes: number, maxEntryBytes: number): TokenRequestFacts {
  return { ...facts, answer: '', cut: `the answer (${facts.answer.length} bytes) is not kept: the log keeps entries up to ${maxEntryBytes} bytes` };
}

export function tokenLog(log: IdpRequestLog) {
  return function logTokenRequest(req: Request, res: Response, next: NextFunction): void {
    const end = res.end.bind(res) as (...args: unknown[]) => Response;
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      // The body as the client sent it (JSON or form, parsed by the shim by now; empty if a fault answered first).
      const bodyBytes = req.headers['content-length'] === undefined ? TOKEN_BODY_LIMIT : Number(req.headers['content-length']) || 0;
      log.add({ endpoint: req.path, fields: (req.body ?? {}) as Record<string, unknown>, bodyBytes, status: res.statusCode, answer: chunk ? String(chunk) : '', grant: (res as WithGrantFacts)[GRANT_FACTS] });
      return end(chunk, ...rest);
    }) as Response['end'];
    next();
  };
}

/** Credentials (client_secret, password, the tokens' signatures) are left out. */
function present({ endpoint, fields, status, answer, cut, grant }: TokenRequestFacts, emailOf: (userId: string) => string | undefined): IdpLogEntry {
  const field = (name: string) => (typeof fields[name] === 'string' ? (fields[name] as string) : undefined);
  let body: { access_token?: string; error?: string; error_description?: string } = {};
  try {
    body = answer ? JSON.parse(answer) : {};
  } catch {
    // not JSON: nothing more to say
  }
  const accessToken = tokenForLog(body.access_token);
  const claims = (accessToken?.claims ?? {}) as { aud?: unknown };
  return {
    endpoint,
    grant_type: field('grant_type'),
    client_id: field('client_id') ?? grant?.clientId,
    user: field('username') ?? (grant?.accountId && (emailOf(grant.accountId) ?? grant.accountId)),
    // The API the token is for: the one asked for, or (a code's, a refresh's, the default) the token's own.
    audience: field('audience') ?? apiAudience(claims.aud),
    status,
    error: body.error && `${body.error}: ${body.error_description ?? ''}`,
    access_token: accessToken,
    cut,
  };
}

/** A token's `aud` without the tenant's /userinfo, which Auth0 adds beside the API. */
function apiAudience(aud: unknown): string | undefined {
  const audiences = Array.isArray(aud) ? aud : [aud];
  return audiences.find((a): a is string => typeof a === 'string' && !a.endsWith('/userinfo'));
}
