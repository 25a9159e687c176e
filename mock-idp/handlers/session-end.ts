/** What Auth0's two logout endpoints share (handlers/v2-logout.ts, handlers/oidc-logout.ts). */
import type { Request, Response } from 'express';
import type Provider from 'oidc-provider';

/** oidc-provider's session cookies, the legacy (SameSite-less) ones and the signatures included. */
const SESSION_COOKIES = ['_session', '_session.legacy', '_session.sig', '_session.legacy.sig'];

/** The browser's login session, as oidc-provider keeps it (a new, empty one when there is none). */
export function currentSession(provider: Provider, req: Request, res: Response) {
  return provider.Session.get(provider.createContext(req, res));
}

/** Ends the browser's login session. Refresh tokens outlive it, as Auth0's do. */
export async function endSession(provider: Provider, req: Request, res: Response): Promise<void> {
  await (await currentSession(provider, req, res)).destroy();
  for (const name of SESSION_COOKIES) res.clearCookie(name, { path: '/' });
}

/** Auth0 allows a `*` wildcard in a subdomain of an Allowed Logout URL. */
export function matchesLogoutUrl(allowed: string, candidate: string): boolean {
  if (!allowed.includes('*')) return allowed.replace(/\/$/, '') === candidate.replace(/\/$/, '');
  const pattern = new RegExp(`^${allowed.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[^./]+')}/?$`);
  return pattern.test(candidate);
}
