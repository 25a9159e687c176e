/** What `dial-sandbox up` prints once everything listens: what runs where, and how to use it. */
import { relative } from 'node:path';

import { CONTROL_TOKEN_ENV } from '../common/control-token.ts';
import type { Idp } from '../mock-idp/idp.ts';
import { hasAccess } from '../mock-core/access.ts';
import type { Core } from '../mock-core/core.ts';
import type { Models } from '../mock-models/models.ts';
import type { Environment } from './environment.ts';

export function printSummary({ environment, idp, models, core, controlToken, startedInMs }: { environment: Environment; idp: Idp; models: Models; core?: Core; controlToken: boolean; startedInMs: number }): void {
  const { tenant } = environment;
  const show = (path: string) => relative(process.cwd(), path) || '.';
  const lines = [
    `dial-auth-sandbox: ${show(environment.dir)} is up (${startedInMs} ms)`,
    '',
    'mock-idp (Auth0-compatible)',
    `  issuer     ${idp.issuer}`,
    `  https      ${idp.httpsUrl}    http ${idp.httpUrl}`,
    `  discovery  ${idp.httpsUrl}/.well-known/openid-configuration`,
    `  apis       ${tenant.resource_servers.map((r) => r.identifier).join(', ') || 'none'}${tenant.default_audience ? ` (default audience ${tenant.default_audience})` : ''}`,
    `  clients    ${tenant.clients.map((c) => `${c.client_id} (${c.grant_types.join(', ')})`).join('; ')}`,
    `  actions    post-login: ${tenant.post_login_actions.map((a) => a.name).join(' → ') || 'none'}`,
    `  management ${idp.httpsUrl}/api/v2 (audience ${idp.issuer}api/v2/; signing keys)`,
    '',
    'mock-models (OpenAI-compatible stubs)',
    `  url        ${models.url}    control ${models.url}/__control/models`,
    ...models.definitions.map((m) => `  ${m.name.padEnd(24)} ${m.kind.padEnd(10)} ${m.reply.kind.padEnd(8)} ${m.upstreamKey ? `key ${m.upstreamKey}` : 'no key'}`),
    `  e.g.       ${models.url}/v1/openai/deployments/${models.definitions[0]?.name ?? '<name>'}/chat/completions`,
    '',
    ...(core && environment.core
      ? [
          'mock-core (emulated DIAL Core 0.39)',
          `  url        ${core.url}`,
          `  settings   ${show(environment.core.dir)}/aidial.settings.json (+ aidial.* variables)`,
          `  config     ${environment.core.settings.configFiles.join(', ')} (in ${show(environment.core.dir)})`,
          '  who may use which model (mock-core\'s own userRoles rule, with each user\'s tenant roles):',
          ...[...core.config.current.models.values()].map((m) => {
            const users = tenant.users.filter((u) => hasAccess(m.userRoles, u.roles)).map((u) => u.email);
            return `    ${m.name.padEnd(24)} ${users.length ? users.join(', ') : '(nobody)'}${m.userRoles === undefined ? '   [no userRoles: everyone]' : m.userRoles.length ? `   [userRoles ${m.userRoles.join(', ')}]` : '   [userRoles []: nobody]'}`;
          }),
          '',
        ]
      : []),
    'users',
    ...tenant.users.map((u) => `  ${u.email.padEnd(24)} password ${u.password.padEnd(10)} roles ${u.roles.join(', ') || '(none)'}`),
    '',
    'trust the sandbox CA (Auth0 SDKs require HTTPS):',
    `  export NODE_EXTRA_CA_CERTS=${idp.caFile}`,
    '',
    ...(controlToken ? [`every /__control endpoint wants the control token: Authorization: Bearer <token> (the CLI sends --control-token or $${CONTROL_TOKEN_ENV})`, ''] : []),
    'try:',
    `  curl -s ${idp.httpUrl}/oauth/token -H 'content-type: application/json' \\`,
    `    -d '{"grant_type":"password","client_id":"${tenant.clients[0]?.client_id ?? 'CLIENT'}","client_secret":"${tenant.clients[0]?.client_secret ?? 'SECRET'}","username":"${tenant.users[0]?.email ?? 'EMAIL'}","password":"${tenant.users[0]?.password ?? 'PASSWORD'}","audience":"${tenant.resource_servers[0]?.identifier ?? 'API'}"}'`,
    '',
    'Ctrl-C stops.',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
