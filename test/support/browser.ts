/**
 * A minimal browser for the authorization-code flow: follows redirects by hand, keeps cookies, and fills in
 * the login page, so tests reach the callback URL the way a user's browser would.
 */
export interface LoginAs {
  /** Type these into the form… */
  email?: string;
  password?: string;
  /** …or pick this tenant user from the list. */
  userId?: string;
}

export interface Landing {
  /** The URL the IdP finally sent the browser to (the app's callback, with code or error). */
  url: URL;
  /** Every URL visited, in order. */
  visited: string[];
}

export async function loginThroughBrowser(authorizeUrl: URL, as: LoginAs, callbackPrefix: string, cookies = new Map<string, string>()): Promise<Landing> {
  const visited: string[] = [];
  let url = authorizeUrl.href;
  let init: RequestInit = {};
  for (let hop = 0; hop < 20; hop++) {
    visited.push(url);
    if (url.startsWith(callbackPrefix)) return { url: new URL(url), visited };
    const cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as object), cookie, accept: 'text/html' } });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [name, ...value] = pair!.split('=');
      cookies.set(name!.trim(), value.join('='));
    }
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      url = new URL(location, url).href;
      init = {};
      continue;
    }
    const html = await response.text();
    const autoSubmit = /document\.forms\[0\]\.submit\(\)[^]*?<form method="post" action="([^"]+)"/.exec(html);
    if (autoSubmit) {
      // A page that submits its own form on load (oidc-provider's logout of the previous user): do as a browser would.
      const fields = Object.fromEntries([...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"\/>/g)].map((m) => [m[1]!, m[2]!]));
      url = new URL(autoSubmit[1]!.replace(/&amp;/g, '&'), url).href;
      init = { method: 'POST', body: new URLSearchParams(fields).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } };
      continue;
    }
    if (response.status === 200 && new URL(url).pathname === '/u/login') {
      const form: Record<string, string> = as.userId ? { user_id: as.userId } : { username: as.email ?? '', password: as.password ?? '' };
      init = { method: 'POST', body: new URLSearchParams(form).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } };
      continue;
    }
    const text = html.replace(/<style>[^]*?<\/style>|<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
    throw new Error(`the login stopped at ${url} with ${response.status}: ${text.slice(0, 400)}`);
  }
  throw new Error(`too many redirects: ${visited.join(' → ')}`);
}
