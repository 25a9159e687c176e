/**
 * Where the scenarios act: in front of the JWKS and discovery documents, in front of /oauth/token, and on
 * the access tokens /oauth/token answers with.
 */
import type { NextFunction, Request, Response } from 'express';

import type { SigningKeys } from '../keys.ts';
import type { ActiveScenario } from './active-scenario.ts';
import { mutateToken } from './mutate-token.ts';

/** The longest a "timeout" scenario holds a request, so nothing waits forever. */
const HOLD_MS = 120_000;

export function wellKnownFaults(active: ActiveScenario) {
  return function wellKnownFault(req: Request, res: Response, next: NextFunction): void {
    const scenario = active.current;
    const isJwks = `${req.baseUrl}${req.path}` === '/.well-known/jwks.json';
    if (!scenario || (isJwks ? !scenario.startsWith('jwks-') : scenario !== 'discovery-503')) return next();
    switch (scenario) {
      case 'jwks-503':
      case 'discovery-503':
        res.status(503).type('text').send('Service Unavailable');
        return;
      case 'jwks-malformed':
        res.type('json').send('{"keys": [{"kty": "RSA", "kid"');
        return;
      case 'jwks-empty':
        res.json({ keys: [] });
        return;
      case 'jwks-slow':
        active.delay(5_000, next);
        return;
      case 'jwks-timeout': {
        // Held until the scenario ends (then a 503) or HOLD_MS passes.
        const release = () => {
          cancelHold();
          if (!res.writableEnded) res.status(503).type('text').send('Service Unavailable');
        };
        const cancelHold = active.delay(HOLD_MS, release);
        active.onClear(release);
        return;
      }
      default:
        next();
    }
  };
}

export function tokenEndpointFaults(active: ActiveScenario, keys: SigningKeys) {
  return function tokenEndpointFault(_req: Request, res: Response, next: NextFunction): void {
    const scenario = active.current;
    if (scenario === 'token-429') {
      res.status(429).set('Retry-After', '30').json({ error: 'too_many_attempts', error_description: 'We have detected suspicious login behavior and further attempts will be blocked. Please contact the administrator.' });
      return;
    }
    if (scenario === 'token-500') {
      res.status(500).json({ error: 'server_error', error_description: 'Internal Server Error' });
      return;
    }
    if (scenario?.startsWith('token-')) spoilAccessTokens(res, scenario, keys);
    if (scenario === 'token-latency') active.delay(1_500, next);
    else next();
  };
}

/** Rewrites the access_token of the JSON answer oidc-provider is about to send. */
function spoilAccessTokens(res: Response, scenario: NonNullable<ActiveScenario['current']>, keys: SigningKeys): void {
  const end = res.end.bind(res) as (...args: unknown[]) => Response;
  res.end = ((chunk?: unknown, ...rest: unknown[]) => {
    let body: { access_token?: string } | undefined;
    try {
      body = chunk && res.statusCode === 200 ? JSON.parse(String(chunk)) : undefined;
    } catch {
      body = undefined;
    }
    if (!body?.access_token) return end(chunk, ...rest);
    void mutateToken(body.access_token, scenario, keys).then((token) => {
      const text = JSON.stringify({ ...body, access_token: token });
      if (!res.headersSent) res.setHeader('content-length', Buffer.byteLength(text));
      end(text);
    });
    return res;
  }) as Response['end'];
}
