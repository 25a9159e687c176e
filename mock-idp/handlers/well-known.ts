/**
 * The discovery document and the JWKS, served as Auth0 serves them (docs/auth0.md#discovery,
 * docs/auth0.md#signing-keys).
 */
import type { Request, Response } from 'express';

import { discoveryDocument } from '../auth0.ts';
import type { SigningKeys } from '../keys.ts';
import type { Tenant } from '../tenant.ts';

export function discoveryHandler(issuer: string, tenant: Tenant) {
  const document = discoveryDocument(issuer, tenant.end_session_endpoint_discovery, tenant.browser_origin);
  return function discovery(_req: Request, res: Response): void {
    res.set('Cache-Control', 'public, max-age=15').json(document);
  };
}

export function jwksHandler(keys: SigningKeys) {
  return function jwks(_req: Request, res: Response): void {
    res.set('Cache-Control', 'public, max-age=15').json({ keys: keys.published().map((k) => k.publicJwk) });
  };
}
