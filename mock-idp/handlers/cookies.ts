/**
 * The session cookie is SameSite=None, as Auth0's (provider.ts); a browser keeps such a cookie only when it is
 * Secure too, which it cannot be on the IdP's plain-HTTP port (for containers and curl). There it stays Lax,
 * oidc-provider's default, so a login over plain HTTP keeps its session.
 */
import type { ServerResponse } from 'node:http';

import type { NextFunction, Request, Response } from 'express';

export function laxCookiesOverPlainHttp(req: Request, res: Response, next: NextFunction): void {
  if (req.secure) return next();
  const setHeader = res.setHeader.bind(res) as ServerResponse['setHeader'];
  res.setHeader = ((name: string, value: number | string | readonly string[]) => {
    if (name.toLowerCase() !== 'set-cookie') return setHeader(name, value);
    const lax = (cookie: string) => cookie.replace(/; samesite=none/i, '; samesite=lax');
    return setHeader(name, Array.isArray(value) ? value.map(lax) : typeof value === 'string' ? lax(value) : value);
  }) as Response['setHeader'];
  next();
}
