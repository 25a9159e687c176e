/** Helpers of `dial-sandbox token` (minting) and `dial-sandbox scenario`: parsing what the user typed, and the call. */
import { SandboxError } from '../../common/sandbox-error.ts';
import { controlTokenRefused } from './running-sandbox.ts';

export function parseClaims(json: string | undefined): Record<string, unknown> | undefined {
  if (json === undefined) return undefined;
  try {
    const claims = JSON.parse(json) as unknown;
    if (claims && typeof claims === 'object' && !Array.isArray(claims)) return claims as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new SandboxError('ERR_SANDBOX_DEFINITION', `--claims must be a JSON object, e.g. '{"dial_roles":["admin"]}'; got ${json}`);
}

export async function mintAt(idpUrl: string, request: Record<string, unknown>, headers: Record<string, string> = {}): Promise<string> {
  const response = await fetch(`${idpUrl}/__control/tokens`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(request) });
  if (response.status === 401) throw controlTokenRefused(idpUrl);
  const body = (await response.json()) as { access_token?: string; error_description?: string };
  if (!body.access_token) throw new SandboxError('ERR_SANDBOX_DEFINITION', `The IdP would not mint the token: ${body.error_description}`);
  return body.access_token;
}

/** "30s", "2m", "90" (seconds): what `clock advance` and `scenario --for` take. */
export function seconds(duration: string, what = '--for'): number {
  const match = /^(\d+(?:\.\d+)?)(s|m|h|d)?$/.exec(duration.trim());
  if (!match) throw new SandboxError('ERR_SANDBOX_DEFINITION', `${what} takes a duration such as 30s, 2m, 1h or 1d, not "${duration}".`);
  return Number(match[1]) * { s: 1, m: 60, h: 3_600, d: 86_400 }[(match[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
}

/**
 * `token --lifetime`: a duration as `seconds` reads it, or its negative (an already expired token), in whole
 * seconds, since a token's exp is whole seconds; anything else is refused rather than minting the default.
 */
export function lifetimeSeconds(value: string): number {
  const negative = value.trim().startsWith('-');
  const refused = () => new SandboxError('ERR_SANDBOX_DEFINITION', `--lifetime takes a duration such as 30s, 2m, 1h or 1d (or whole seconds), not "${value}"; a negative one mints an expired token.`);
  let amount: number;
  try {
    amount = seconds(negative ? value.trim().slice(1) : value);
  } catch {
    throw refused();
  }
  if (!Number.isInteger(amount)) throw refused();
  return negative ? -amount : amount;
}
