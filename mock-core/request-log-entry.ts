/** What mock-core's request log keeps of a request: who Core took the caller for, and what it answered. */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { RequestLog, tokenForLog } from '../common/request-log.ts';
import type { Principal } from './auth/authenticate.ts';
import { accessRule } from './access.ts';
import { header } from './http.ts';

/** What the access rule was given, for the log to put in words when read. */
export interface RuleFacts {
  deployment: string;
  userRoles: readonly string[] | undefined;
  callerRoles: readonly string[];
}

/**
 * What handling a request found out, noted as it goes for the request's log entry (kept beside the request
 * rather than on node's objects, whose shapes the http module's hot paths depend on).
 */
export interface RequestNotes {
  /** The caller, once authenticated. */
  principal?: Principal;
  /** Core's own words for an answer that was not a success. */
  reason?: string;
  /** What the sandbox knows of why, beyond Core's words (why a token was turned away). */
  cause?: string;
  /** The access rule that allowed or refused a deployment call. */
  rule?: RuleFacts;
}

/** The facts, taken as the answer finishes (primitives and the principal: no request or socket is kept). */
export interface CoreRequestFacts {
  method: string;
  url: string;
  status: number;
  ms: number;
  caller: Principal | undefined;
  bearer: string | undefined;
  reason: string | undefined;
  cause: string | undefined;
  rule: RuleFacts | undefined;
}

export interface CoreLogEntry {
  method: string;
  path: string;
  status: number;
  ms: number;
  /** The caller as Core saw it: provider, sub (or key project), roles, user hash, `projectPath`'s project and `userDisplayName`'s name. */
  caller?: Record<string, unknown>;
  /** The bearer token, decoded, its signature cut. */
  token?: ReturnType<typeof tokenForLog>;
  /** Why Core answered as it did, for anything but a 2xx (Core's own words). */
  reason?: string;
  /**
   * What the sandbox knows of why, where Core's words do not say (Core tells it only in its own server log):
   * for a 401 "Bad Authorization header", the JWKS that did not answer, the unknown `kid`, the `alg`, the
   * expiry, the signature, the audience. Never part of Core's answer.
   */
  cause?: string;
  /** The access rule that decided it (deployment calls): which userRoles, which of the caller's roles. */
  rule?: string;
}

export type CoreRequestLog = RequestLog<CoreRequestFacts, CoreLogEntry>;

/**
 * Nothing to cut: what an entry holds comes from the request line and headers, which Core (Vert.x) limits to
 * 8 KiB; the principal holds the token a second time.
 */
export const createCoreRequestLog = (): CoreRequestLog => new RequestLog({ present, size: ({ url, bearer, reason, cause }) => url.length + 2 * (bearer?.length ?? 0) + (reason?.length ?? 0) + (cause?.length ?? 0) });

export function requestFacts(req: IncomingMessage, res: ServerResponse, notes: RequestNotes, ms: number): CoreRequestFacts {
  return { method: req.method ?? 'GET', url: req.url ?? '/', status: res.statusCode, ms, caller: notes.principal, bearer: header(req, 'authorization'), reason: notes.reason, cause: notes.cause, rule: notes.rule };
}

function present({ method, url, status, ms, caller, bearer, reason, cause, rule }: CoreRequestFacts): CoreLogEntry {
  return {
    method,
    path: url.split('?')[0]!,
    status,
    ms,
    caller: caller && (caller.kind === 'user'
      ? { kind: 'user', provider: caller.provider, sub: caller.sub, roles: caller.roles, userHash: caller.userHash, project: caller.project, displayName: caller.displayName, viaPerRequestKey: Boolean(caller.viaPerRequestKey) }
      : { kind: 'api-key', project: caller.project, roles: caller.roles, viaPerRequestKey: Boolean(caller.viaPerRequestKey) }),
    token: tokenForLog(bearer?.split(' ')[1]),
    reason,
    cause,
    rule: rule && `${rule.deployment}: ${accessRule(rule.userRoles, rule.callerRoles)}`,
  };
}
