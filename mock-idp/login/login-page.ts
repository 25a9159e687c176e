/** The HTML of the login page at /u/login (Auth0's Universal Login path), of error pages and of the page at `/`. */
import type { TenantUser } from '../tenant.ts';

export const escape = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export const page = (title: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem;color:#1e212a}
form{display:grid;gap:.6rem;margin:1rem 0}label{display:grid;gap:.25rem}input,button{font:inherit;padding:.55rem;border:1px solid #c9cace;border-radius:4px}
button{background:#635dff;color:#fff;border:0;cursor:pointer}.user{background:#fff;color:#1e212a;border:1px solid #c9cace;text-align:left}
.error{color:#d03c38}small{color:#65676e}</style></head><body>${body}</body></html>`;

export interface LoginPageModel {
  state: string;
  clientName: string;
  users: readonly TenantUser[];
  error?: string;
  email?: string;
}

export function renderLoginPage({ state, clientName, users, error, email }: LoginPageModel): string {
  const action = `/u/login?state=${encodeURIComponent(state)}`;
  const pickers = users
    .map((u) => `<button class="user" type="submit" name="user_id" value="${escape(u.user_id)}">${escape(u.name)} &lt;${escape(u.email)}&gt;<br><small>roles: ${escape(u.roles.join(', ') || 'none')}</small></button>`)
    .join('\n');
  return page(
    'Log in | dial-auth-sandbox',
    `<h1>Log in</h1><p>to continue to <b>${escape(clientName)}</b> (sandbox tenant)</p>
${error ? `<p class="error" role="alert">${escape(error)}</p>` : ''}
<form method="post" action="${action}">
<label>Email address <input name="username" type="email" autocomplete="username" value="${escape(email ?? '')}" required></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Continue</button></form>
${pickers ? `<p>or continue as a tenant user:</p><form method="post" action="${action}">${pickers}</form>` : ''}`,
  );
}

export function renderErrorPage(error: string, description: string): string {
  return page('Error | dial-auth-sandbox', `<h1>Oops!, something went wrong</h1><p class="error">${escape(error)}</p><p>${escape(description)}</p>`);
}

/**
 * Auth0's logout prompt, for an /oidc/logout it cannot match to the browser's session: `form` is
 * oidc-provider's confirmation form (its xsrf token inside), submitted by the button with `logout=yes`.
 */
export function renderLogoutPrompt(form: string): string {
  return page(
    'Log out | dial-auth-sandbox',
    `<h1>Log out</h1><p>Are you sure you want to log out of the sandbox tenant?</p>${form}
<button form="op.logoutForm" type="submit" name="logout" value="yes">Yes, log me out</button>`,
  );
}

/** What /oidc/logout shows when it has nowhere to send the browser back to. */
export function renderLoggedOutPage(): string {
  return page('Logged out | dial-auth-sandbox', '<h1>Successfully logged out</h1><p>You are logged out of the sandbox tenant.</p>');
}
