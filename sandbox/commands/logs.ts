/** `dial-sandbox logs`: the recent requests of the running IdP and Core, one readable line each. */
type Entry = Record<string, any>;

export function formatLogs(idp: Entry[], core: Entry[]): string {
  const lines = [
    ...idp.map((e) => ({
      at: String(e.at),
      line: `idp   ${e.endpoint} ${e.grant_type ?? '?'} client=${e.client_id ?? '?'}${e.user ? ` user=${e.user}` : ''}${e.audience ? ` aud=${e.audience}` : ''} → ${e.status}${e.error ? ` ${e.error}` : ''}${e.access_token?.claims ? ` token ${JSON.stringify(pick(e.access_token.claims))}` : ''}`,
    })),
    ...core.map((e) => ({
      at: String(e.at),
      line: `core  ${e.method} ${e.path} → ${e.status}${e.reason ? ` "${e.reason}"` : ''}${e.cause ? ` [cause: ${e.cause}]` : ''}${e.caller ? ` caller ${e.caller.kind === 'user' ? `${e.caller.sub ?? '(no sub)'} via ${e.caller.provider}` : `key of ${e.caller.project}`} roles=${JSON.stringify(e.caller.roles)}` : ''}${e.rule ? ` (${e.rule})` : ''}`,
    })),
  ].sort((a, b) => a.at.localeCompare(b.at));
  return lines.length ? `${lines.map((l) => `${l.at}  ${l.line}`).join('\n')}\n` : 'No requests yet.\n';
}

/** The claims that explain a decision, and the names of any others (left out when there are none: `"others":[]` says nothing). */
function pick(claims: Entry): Entry {
  const { iss, sub, aud, exp, dial_roles: roles, ...rest } = claims;
  const others = Object.keys(rest).filter((k) => !['iat', 'azp', 'scope', 'gty'].includes(k));
  return { sub, aud, dial_roles: roles, exp, iss, ...(others.length ? { others } : {}) };
}
