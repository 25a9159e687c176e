/** The IdP's request log: every /oauth/token answer, with who asked and what was issued (signatures cut). */
import type { NextFunction, Request, Response } from 'express';

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

export const createIdpRequestLog = (): IdpRequestLog => new RequestLog({ present, size, cut });

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
      log.add({ endpoint: req.path, fields: (req.body ?? {}) as Record<string, unknown>, bodyBytes, status: res.statusCode, answer: chunk ? String(chunk) : '' });
      return end(chunk, ...rest);
    }) as Response['end'];
    next();
  };
}

/** Credentials (client_secret, password, the tokens' signatures) are left out. */
function present({ endpoint, fields, status, answer, cut }: TokenRequestFacts): IdpLogEntry {
  const field = (name: string) => (typeof fields[name] === 'string' ? (fields[name] as string) : undefined);
  let body: { access_token?: string; error?: string; error_description?: string } = {};
  try {
    body = answer ? JSON.parse(answer) : {};
  } catch {
    // not JSON: nothing more to say
  }
  return {
    endpoint,
    grant_type: field('grant_type'),
    client_id: field('client_id'),
    user: field('username'),
    audience: field('audience'),
    status,
    error: body.error && `${body.error}: ${body.error_description ?? ''}`,
    access_token: tokenForLog(body.access_token),
    cut,
  };
}
