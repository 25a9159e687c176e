/** `dial-sandbox decode <jwt>`: a token, readable: header, claims, expiry in words, and the roles DIAL Core would see. */
import { rolesAt } from '../../mock-core/auth/identity-provider.ts';
import { SandboxError } from '../../common/sandbox-error.ts';
import { expiryInWords, tokenOf } from '../../common/token-words.ts';

export interface DecodedToken {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  /** In words, with the clock it was measured against. */
  expiry: string;
  rolePath: string[];
  roles: string[];
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

export function formatDecoded(decoded: DecodedToken): string {
  return [
    `header  ${JSON.stringify(decoded.header)}`,
    `claims  ${JSON.stringify(decoded.claims, null, 2).replace(/\n/g, '\n        ')}`,
    `expiry  ${decoded.expiry}`,
    `roles   ${JSON.stringify(decoded.roles)} at rolePath ${decoded.rolePath.join(', ')}${decoded.roles.length ? '' : ' — none: DIAL Core will let this caller use only deployments without userRoles'}`,
  ].join('\n');
}
