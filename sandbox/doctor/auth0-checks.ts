/**
 * Checks across Auth0, DIAL Chat and DIAL Core (docs/dial-chat.md#auth0-provider,
 * docs/dial-chat.md#callback-url, docs/dial-core.md#role-path, docs/dial-core.md#user-roles,
 * docs/auth0.md#audience, docs/auth0.md#custom-claims, docs/auth0-tutorial.md#defects): Chat's variables, the
 * callback URL, the audience, and — by running the tenant's own Actions for every user — whether Core's
 * rolePath reaches the roles, and whether every model's userRoles can be satisfied.
 */
import { resolve } from 'node:path';

import { createMemoryLogger } from '../../common/log.ts';
import { hasAccess } from '../../mock-core/access.ts';
import { rolesAt } from '../../mock-core/auth/identity-provider.ts';
import { ActionRunner } from '../../mock-idp/actions/action-runner.ts';
import { PostLoginTrigger, type PostLoginOutcome } from '../../mock-idp/actions/post-login.ts';
import { pictureOrigin } from '../../mock-idp/avatar.ts';
import type { Tenant, TenantUser } from '../../mock-idp/tenant.ts';
import { rawProviders } from './core-checks.ts';
import { auth0Issuer } from './issuer.ts';
import type { Finding } from './findings.ts';
import { settingsWhere, type DoctorInputs } from './inputs.ts';

export function checkChatEnv(inputs: DoctorInputs): Finding[] {
  const env = inputs.chatEnv;
  const where = (key: string) => `${inputs.chatEnvSource ?? 'Chat environment'}: ${key}`;
  const findings: Finding[] = [];
  if (env.AUTH_AUTH0_HOST !== undefined && !/^https?:\/\//.test(env.AUTH_AUTH0_HOST)) {
    findings.push({
      check: 'chat-host-no-scheme', severity: 'error', where: where('AUTH_AUTH0_HOST'),
      title: 'AUTH_AUTH0_HOST has no scheme: next-auth cannot build the discovery URL and sign-in fails',
      compared: `next-auth asks "${env.AUTH_AUTH0_HOST}/.well-known/openid-configuration", which is not a URL`,
      fix: `AUTH_AUTH0_HOST=https://${env.AUTH_AUTH0_HOST}`,
    });
  }
  if (env.AUTH_AUTH0_CLIENT_SECRET !== undefined && env.AUTH_AUTH0_SECRET === undefined) {
    findings.push({
      check: 'chat-secret-name', severity: 'error', where: where('AUTH_AUTH0_CLIENT_SECRET'),
      title: 'AUTH_AUTH0_CLIENT_SECRET is not a variable DIAL Chat reads: the Auth0 provider is silently not registered',
      compared: 'Chat reads AUTH_AUTH0_SECRET (the tutorial said AUTH_AUTH0_CLIENT_SECRET until 2024-08)',
      fix: 'rename it to AUTH_AUTH0_SECRET',
    });
  }
  const hasChatAuth0 = Object.keys(env).some((k) => k.startsWith('AUTH_AUTH0_'));
  // A tenant that would not load has a finding of its own; its Default Audience is then unknown.
  if (hasChatAuth0 && !env.AUTH_AUTH0_AUDIENCE && !inputs.tenant?.default_audience && !inputs.tenantProblems) {
    findings.push({
      check: 'missing-audience', severity: 'error', where: where('AUTH_AUTH0_AUDIENCE'),
      title: 'No audience: Auth0 issues opaque access tokens, which DIAL Core refuses (401)',
      compared: 'AUTH_AUTH0_AUDIENCE is unset and the tenant has no Default Audience',
      fix: `AUTH_AUTH0_AUDIENCE=${inputs.tenant?.resource_servers[0]?.identifier ?? '<your API identifier>'}`,
    });
  }
  return findings;
}

/**
 * What stops the sandbox loading the tenant (a shape problem, a broken reference, an Action that does not
 * compile), one finding each, located as `npm start` would report it. The checks that need the tenant (the
 * callbacks, running its Actions for the roles) are skipped: their findings would describe a tenant that
 * cannot run.
 */
export function checkTenantFile(inputs: DoctorInputs): Finding[] {
  return (inputs.tenantProblems ?? []).map(({ file, path, message, line, column }) => {
    // Absolute, as the doctor's other findings are (the sandbox's problems are relative to the working directory).
    const where = line === undefined ? resolve(file) : `${resolve(file)}:${line}:${column ?? 1}`;
    return {
      check: 'tenant-will-not-load', severity: 'error', where: path === '$' ? where : `${where}: ${path}`,
      title: `The sandbox will not load ${inputs.tenantSource?.split('/').pop() ?? 'the tenant'}: ${message}`,
      fix: `correct ${where}; until then \`npm start\` refuses the environment and the checks that run the tenant's Actions are skipped`,
    };
  });
}

export function checkCallbacks(inputs: DoctorInputs): Finding[] {
  const findings: Finding[] = [];
  for (const client of inputs.tenant?.clients ?? []) {
    for (const callback of client.callbacks.filter((c) => /^https?:\/\/https?:\/\//i.test(c))) {
      findings.push({
        check: 'callback-doubled-scheme', severity: 'error', where: `${inputs.tenantSource}: clients.${client.name}.callbacks`,
        title: 'A callback URL has its scheme twice: Auth0 rejects the redirect_uri Chat sends',
        compared: `"${callback}" (the tutorial's https://<chat_url>/… with a chat_url that already has https://)`,
        fix: `write ${callback.replace(/^https?:\/\/(https?:\/\/)/i, '$1')}`,
      });
    }
  }
  const nextAuthUrl = inputs.chatEnv.NEXTAUTH_URL;
  const client = inputs.tenant?.clients.find((c) => c.client_id === inputs.chatEnv.AUTH_AUTH0_CLIENT_ID);
  if (nextAuthUrl && client && !client.callbacks.includes(`${nextAuthUrl.replace(/\/$/, '')}/api/auth/callback/auth0`)) {
    findings.push({
      check: 'callback-not-allowed', severity: 'error', where: `${inputs.tenantSource}: clients.${client.name}.callbacks`,
      title: "Chat's callback is not among the application's Allowed Callback URLs: Auth0 shows \"Callback URL mismatch\"",
      compared: `${nextAuthUrl}/api/auth/callback/auth0 not in ${JSON.stringify(client.callbacks)}`,
      fix: `add ${nextAuthUrl.replace(/\/$/, '')}/api/auth/callback/auth0 to the callbacks`,
    });
  }
  return findings;
}

/** Runs the Post-Login Actions for each user as a login would, and compares what Core would read. */
export async function checkRoles(inputs: DoctorInputs, tenant: Tenant): Promise<Finding[]> {
  const providers = rawProviders(inputs.settings);
  const rolePaths = providers.flatMap((provider) => provider.rolePaths);
  if (rolePaths.length === 0 || tenant.users.length === 0) return [];
  const log = createMemoryLogger('doctor');
  const runner = new ActionRunner();
  const trigger = new PostLoginTrigger(tenant.post_login_actions, runner, 5_000, log);
  const outcomes = new Map<TenantUser, PostLoginOutcome | Error>();
  // The pictures an IdP started on this tenant with its default ports would name.
  const pictures = pictureOrigin(auth0Issuer(tenant), tenant.browser_origin);
  try {
    for (const user of tenant.users) {
      const client = tenant.clients.find((c) => c.grant_types.includes('authorization_code')) ?? tenant.clients[0];
      if (!client) break;
      const request = { ip: '127.0.0.1', hostname: 'doctor', method: 'POST', query: {}, body: {} };
      outcomes.set(user, await trigger.run({ user, pictureOrigin: pictures, client, protocol: 'oauth2-password', audience: tenant.resource_servers[0]?.identifier, scopes: ['openid'], request }).catch((e: Error) => e));
    }
  } finally {
    await runner.close();
  }
  const seen = (user: TenantUser) => {
    const outcome = outcomes.get(user);
    return outcome instanceof Error || !outcome ? [] : rolePaths.flatMap((path) => rolesAt(outcome.accessTokenClaims, path));
  };

  const findings: Finding[] = [];
  const withTenantRoles = tenant.users.filter((u) => u.roles.length > 0);
  if (withTenantRoles.length > 0 && withTenantRoles.every((u) => seen(u).length === 0)) {
    const sample = outcomes.get(withTenantRoles[0]!);
    const claims = sample instanceof Error || !sample ? {} : sample.accessTokenClaims;
    const idOnly = sample instanceof Error || !sample ? [] : rolePaths.filter((p) => rolesAt(sample.idTokenClaims, p).length > 0);
    const dropped = rolePaths.filter((p) => log.lines.some((l) => l.includes(`restricted claim "${p.split('.')[0]}"`)));
    const why = idOnly.length ? `the Actions set ${idOnly.join(', ')} on the ID token only; Core reads the access token`
      : dropped.length ? `"${dropped[0]}" is a restricted claim name: Auth0 drops it from the token, silently`
        : `the access token the Actions produce has ${JSON.stringify(Object.keys(claims))} and nothing at rolePath ${rolePaths.join(', ')}`;
    findings.push({
      check: 'role-path-unreachable', severity: 'error', where: providers.filter((p) => p.rolePaths.length).map((p) => settingsWhere(inputs, `identityProviders.${p.name}.rolePath`)).join('; '),
      title: `rolePath reaches no role for any user: ${withTenantRoles.map((u) => u.email).join(', ')} have tenant roles, and DIAL Core would see none`,
      compared: why,
      fix: 'in a Post-Login Action: api.accessToken.setCustomClaim("dial_roles", event.authorization.roles); and rolePath: dial_roles',
    });
  }
  findings.push(...checkUserRoles(inputs, tenant, seen));
  return findings;
}

function checkUserRoles(inputs: DoctorInputs, tenant: Tenant, seen: (user: TenantUser) => string[]): Finding[] {
  const findings: Finding[] = [];
  // A file Core would not load is reported by the config checks.
  for (const { file, config } of inputs.configFiles) {
    if (!config) continue;
    for (const deployment of [...config.models.values(), ...config.applications.values()]) {
      const roles = deployment.userRoles;
      if (roles === undefined) continue;
      if (roles.length === 0) {
        findings.push({ check: 'user-roles-nobody', severity: 'warning', where: `${file}: ${deployment.kind}s.${deployment.name}.userRoles`, title: `${deployment.name} has userRoles []: nobody may use it (since Core 0.18)`, compared: 'userRoles: [] means "no role opens it"; only an absent userRoles opens a deployment to everyone', fix: 'remove userRoles to open it to everyone, or list the roles that may use it' });
        continue;
      }
      const users = tenant.users.filter((u) => hasAccess(roles, seen(u)));
      if (users.length === 0) {
        findings.push({
          check: 'user-roles-unsatisfiable', severity: 'warning', where: `${file}: ${deployment.kind}s.${deployment.name}.userRoles`,
          title: `No user of the tenant can use ${deployment.name}`,
          compared: `userRoles ${JSON.stringify(roles)} against the roles Core would see: ${tenant.users.map((u) => `${u.email} ${JSON.stringify(seen(u))}`).join(', ')}`,
          fix: `give a user one of ${JSON.stringify(roles)} in the tenant, or name a tenant role (${tenant.roles.map((r) => r.name).join(', ') || 'none defined'}) in userRoles`,
        });
      }
    }
  }
  return findings;
}
