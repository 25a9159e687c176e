/** The IdP's request log: every /oauth/token answer, with who asked and what was issued (signatures cut). */
import type { NextFunction, Request, Response } from 'express';

import { RequestLog, tokenForLog } from '../../common/request-log.ts';

export interface IdpLogEntry {
  endpoint: string;
  grant_type?: string;
  client_id?: string;
  user?: string;
  audience?: string;
  status: number;
  error?: string;
  access_token?: ReturnType<typeof tokenForLog>;
}

export function tokenLog(log: RequestLog<IdpLogEntry>) {
  return function logTokenRequest(req: Request, res: Response, next: NextFunction): void {
    const end = res.end.bind(res) as (...args: unknown[]) => Response;
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      // The body as the client sent it (JSON or form, parsed by the shim), credentials left out.
      const sent = (req.body ?? {}) as Record<string, unknown>;
      const field = (name: string) => (typeof sent[name] === 'string' ? (sent[name] as string) : undefined);
      let answer: { access_token?: string; error?: string; error_description?: string } = {};
      try {
        answer = chunk ? JSON.parse(String(chunk)) : {};
      } catch {
        // not JSON: nothing more to say
      }
      log.add({
        endpoint: req.path,
        grant_type: field('grant_type'),
        client_id: field('client_id'),
        user: field('username'),
        audience: field('audience'),
        status: res.statusCode,
        error: answer.error && `${answer.error}: ${answer.error_description ?? ''}`,
        access_token: tokenForLog(answer.access_token),
      });
      return end(chunk, ...rest);
    }) as Response['end'];
    next();
  };
}
