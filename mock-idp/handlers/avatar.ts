/**
 * GET /avatar/<md5 of the email>.svg: the default profile picture the IdP names in `picture`
 * (docs/auth0.md#user-picture), an SVG of the user's initials. Like Gravatar with a default image, any name
 * answers a picture: a user deleted since, or an email no user has, gets a neutral one rather than a broken
 * image in the browser.
 */
import type { Request, Response } from 'express';

import type { Accounts } from '../accounts.ts';
import { avatarSvg, emailHash, initialsOf } from '../avatar.ts';

/** Short enough that a renamed user's new initials show within the hour; long enough to load once per session. */
const CACHE_CONTROL = 'public, max-age=3600';

export function avatarHandler(accounts: Accounts) {
  return function avatar(req: Request, res: Response): void {
    const hash = String(req.params.hash).toLowerCase();
    const user = accounts.all.find((u) => emailHash(u.email) === hash);
    res
      .status(200)
      .set('Content-Type', 'image/svg+xml')
      .set('Cache-Control', CACHE_CONTROL)
      // An SVG opened on its own is a document of the IdP's origin: it may run nothing and load nothing.
      .set('Content-Security-Policy', "default-src 'none'")
      .set('X-Content-Type-Options', 'nosniff')
      .send(avatarSvg(user ? initialsOf(user) : '?', hash));
  };
}
