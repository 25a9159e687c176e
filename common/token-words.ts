/** One wording of tokens for the CLI (`dial-sandbox decode`) and the console: how one is pasted, when it expires. */
import { spanInWords } from './time-span.ts';

/**
 * The token as it was pasted: bare, as `Bearer <jwt>`, or as a whole `Authorization: Bearer <jwt>` header
 * line, which is what one copies from a request log or a browser's network panel.
 */
export function tokenOf(text: string): string {
  return text.trim().replace(/^authorization:\s*/i, '').replace(/^bearer\s+/i, '').trim();
}

export function expiryInWords(exp: unknown, now = Date.now()): string {
  if (typeof exp !== 'number') return 'no exp claim: it never expires (DIAL Core accepts that)';
  const seconds = Math.round(exp - now / 1000);
  const span = spanInWords(seconds);
  return seconds > 0 ? `expires in ${span} (${new Date(exp * 1000).toISOString()})` : `expired ${span} ago (${new Date(exp * 1000).toISOString()})`;
}
