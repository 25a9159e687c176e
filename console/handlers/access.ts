/** The matrix, the users and roles beside it, and the tokens: read in this process. */
import { badRequest, noCore } from '../errors.ts';
import { readJson, sendJson, type Handler } from '../exchange.ts';
import { storageOf } from '../storage-view.ts';
import { inspectToken } from '../token-inspection.ts';
import { expiryInWords } from '../../common/token-words.ts';

export const matrix: Handler = async ({ res, url, console: state }) => {
  if (!state.services.core) throw noCore();
  sendJson(res, 200, await state.access.matrix(url.searchParams.get('filter') ?? ''));
};

/** The directory in force: users with their assigned roles, and the roles (ids for the Management API's assignments). */
export const directory: Handler = ({ res, console: state }) => {
  const { idp } = state.services;
  const management = state.calls.managementClient();
  sendJson(res, 200, {
    users: idp.accounts.all.map((u) => ({ user_id: u.user_id, email: u.email, name: u.name, roles: u.roles ?? [] })).sort((a, b) => a.email.localeCompare(b.email)),
    roles: idp.directory.roles.map((r) => ({ id: r.id, name: r.name, description: r.description })),
    management: 'why' in management ? { readOnly: management.why } : { client_id: management.client_id },
  });
};

/** The tokens the IdP issued lately, newest first, each read as Core reads it. */
export const recentTokens: Handler = ({ res, console: state }) => {
  const { idp, clock } = state.services;
  const now = clock.now();
  const tokens = idp.requestLog.entries().filter((e) => e.status === 200 && e.access_token).reverse().map((entry) => {
    const claims = entry.access_token!.claims as Record<string, unknown> | undefined;
    const jwt = claims && typeof claims === 'object';
    return {
      at: entry.at,
      user: entry.user,
      client_id: entry.client_id,
      grant_type: entry.grant_type,
      console: entry.client_id === consoleClient(state.calls.managementClient()) && entry.grant_type === 'client_credentials' ? "the console's own Management API token" : undefined,
      header: entry.access_token!.header,
      claims,
      expiry: jwt ? expiryInWords(claims.exp, now) : undefined,
      opaque: jwt ? undefined : 'opaque (asked without an audience): not a JWT, Core refuses it',
      verdicts: jwt && state.services.core ? state.access.verdicts(claims) : undefined,
    };
  });
  sendJson(res, 200, { tokens });
};

const consoleClient = (client: { client_id: string } | { why: string }) => ('client_id' in client ? client.client_id : undefined);

/** A user's bucket, its resources and shares, as Core answers that user. */
export const storage: Handler = async ({ res, url, console: state }) => {
  const user = url.searchParams.get('user');
  if (!user) throw badRequest('Name the user: /api/storage?user=<email>.');
  sendJson(res, 200, await storageOf(state.services, state.calls, user));
};

export const inspect: Handler = async ({ req, res, console: state }) => {
  const { token } = await readJson(req);
  if (typeof token !== 'string' || !token.trim()) throw badRequest('token is the JWT to read (bare, "Bearer …" or a whole Authorization line).');
  sendJson(res, 200, inspectToken(token, state.services, state.access));
};
