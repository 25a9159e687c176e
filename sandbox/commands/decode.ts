/** `dial-sandbox decode <jwt>`: a token, readable: header, claims, expiry in words, and the roles DIAL Core would see. */
import { rolesAt } from '../../mock-core/auth/identity-provider.ts';
import { SandboxError } from '../../common/sandbox-error.ts';
import { spanInWords } from '../../common/time-span.ts';

export interface DecodedToken {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  /** In words, with the clock it was measured against. */
  expiry: string;
  rolePath: string[];
  roles: string[];
}

/**
 * The token as it was pasted: bare, as `Bearer <jwt>`, or as a whole `Authorization: Bearer <jwt>` header
 * line, which is what one copies from a request log or a browser's network panel.
 */
export function tokenOf(text: string): string {
  return text.trim().replace(/^authorization:\s*/i, '').replace(/^bearer\s+/i, '').trim();
}

export function decodeToken(token: string, rolePath: string[] = ['dial_roles'], clock: { now: number; by?: string } = { now: Date.now() }): DecodedToken {
  const parts = tokenOf(token).split('.');
  if (parts.length !== 3) {
    throw new SandboxError('ERR_SANDBOX_DEFINITION', `Not a JWT: it has ${parts.length} part(s), a JWT has 3. An opaque token (asked without an audience) cannot be decoded, and DIAL Core refuses it: ask for one with --audience.`);
  }
  const [header, claims] = parts.slice(0, 2).map((part, i) => {
    try {
      return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
    } catch {
      throw new SandboxError('ERR_SANDBOX_DEFINITION', `The token's ${i === 0 ? 'header' : 'payload'} is not base64url JSON.`);
    }
  });
  const expiry = expiryInWords(claims!.exp, clock.now);
  return { header: header!, claims: claims!, expiry: clock.by && typeof claims!.exp === 'number' ? `${expiry} ${clock.by}` : expiry, rolePath, roles: rolePath.flatMap((path) => rolesAt(claims!, path)) };
}

export function expiryInWords(exp: unknown, now = Date.now()): string {
  if (typeof exp !== 'number') return 'no exp claim: it never expires (DIAL Core accepts that)';
  const seconds = Math.round(exp - now / 1000);
  const span = spanInWords(seconds);
  return seconds > 0 ? `expires in ${span} (${new Date(exp * 1000).toISOString()})` : `expired ${span} ago (${new Date(exp * 1000).toISOString()})`;
}

export function formatDecoded(decoded: DecodedToken): string {
  return [
    `header  ${JSON.stringify(decoded.header)}`,
    `claims  ${JSON.stringify(decoded.claims, null, 2).replace(/\n/g, '\n        ')}`,
    `expiry  ${decoded.expiry}`,
    `roles   ${JSON.stringify(decoded.roles)} at rolePath ${decoded.rolePath.join(', ')}${decoded.roles.length ? '' : ' — none: DIAL Core will let this caller use only deployments without userRoles'}`,
  ].join('\n');
}
