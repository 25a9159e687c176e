/**
 * The default profile picture (docs/auth0.md#user-picture). Auth0 gives a database user a Gravatar URL that
 * falls back to an image of the user's initials on Auth0's CDN; a browser that shows it leaves the machine.
 * The sandbox serves the fallback itself instead, from the IdP's own origin: an SVG of the initials, made
 * here, with no image file and no network.
 *
 * The URL is made when a profile is read, not stored with the user: the IdP's origin carries its port, which
 * differs from run to run (port 0 in tests), and a stored URL would outlive it.
 */
import { createHash } from 'node:crypto';

import type { TenantUser } from './tenant.ts';

/** Where the pictures are served; `/avatar/<md5 of the email>.svg`, the hash being Gravatar's. */
export const AVATAR_PATH = '/avatar';

/** The origin the browser reaches the IdP at: the tenant's browser origin (compose), else the issuer's. */
export function pictureOrigin(issuer: string, browserOrigin?: string): string {
  return browserOrigin ?? new URL(issuer).origin;
}

/** Gravatar's hash of an email: MD5 of the trimmed, lower-cased address. */
export function emailHash(email: string): string {
  return createHash('md5').update(email.trim().toLowerCase()).digest('hex');
}

export function defaultPictureUrl(origin: string, email: string): string {
  return `${origin}${AVATAR_PATH}/${emailHash(email)}.svg`;
}

/** The user's own picture, else the IdP's default one for them (as Auth0's profile always has a picture). */
export function pictureOf(user: Pick<TenantUser, 'picture' | 'email'>, origin: string): string {
  return user.picture ?? defaultPictureUrl(origin, user.email);
}

/** Two letters, as Auth0's CDN avatars have: the first of two words of the name, else the name's first two. */
export function initialsOf(user: Pick<TenantUser, 'name' | 'email'>): string {
  const name = (user.name || user.email).split('@')[0]!.trim();
  const words = name.split(/[\s._-]+/).filter(Boolean);
  const letters = words.length >= 2 ? [Array.from(words[0]!)[0], Array.from(words[1]!)[0]] : Array.from(words[0] ?? '').slice(0, 2);
  return letters.join('').toUpperCase() || '?';
}

/** A square of a colour chosen by the hash, with the initials in white: some 400 bytes. */
export function avatarSvg(initials: string, hash: string): string {
  const hue = parseInt(hash.slice(0, 4), 16) % 360 || 0;
  const text = escapeXml(initials);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="480" height="480" viewBox="0 0 480 480" role="img" aria-label="${text}">`,
    `<rect width="480" height="480" fill="hsl(${hue}, 45%, 45%)"/>`,
    `<text x="240" y="240" dy="0.35em" text-anchor="middle" font-family="Helvetica, Arial, sans-serif" font-size="200" fill="#ffffff">${text}</text>`,
    '</svg>',
  ].join('');
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
