/**
 * tenant.yaml → Tenant: parse, validate the shape, resolve references (roles, client grants, trigger
 * bindings, Action files) and report every problem at once, each with its file, JSON path, line and column.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

import { SandboxError, type Problem } from '../common/sandbox-error.ts';
import { readYamlFile, type Report } from '../common/yaml-file.ts';
import { actionSyntaxError } from './actions/action-syntax.ts';
import type { Action, Tenant, TenantClient, TenantUser } from './tenant.ts';
import { MANAGEMENT_AUDIENCE_KEYWORD } from './management/management-api.ts';
import { tenantFileSchema, type TenantFile } from './tenant-schema.ts';

export function loadTenant(file: string): Tenant {
  const problems: Problem[] = [];
  const { data, report } = readYamlFile(file, tenantFileSchema, problems);
  // Users defined in the file were created, and last updated, when the file was last written.
  const tenant = data && resolveTenant(data, dirname(file), report, statSync(file).mtime.toISOString(), problems);
  if (!tenant || problems.length) {
    throw new SandboxError('ERR_SANDBOX_DEFINITION', `The tenant file has ${problems.length} problem(s):`, problems);
  }
  return tenant;
}

function resolveTenant(data: TenantFile, baseDir: string, at: Report, definedAt: string, problems: Problem[]): Tenant {
  const clients = data.clients.map(resolveClient);
  const roleNames = new Set(data.roles.map((r) => r.name));
  const apiIds = new Set(data.resourceServers.map((r) => r.identifier));

  reportDuplicates(clients.map((c) => c.client_id), (i) => at(['clients', i, 'client_id'], 'duplicate client_id'));
  reportDuplicates(data.users.map((u) => u.email.toLowerCase()), (i) => at(['users', i, 'email'], 'duplicate email'));
  reportDuplicates(data.roles.map((r) => r.name), (i) => at(['roles', i, 'name'], 'duplicate role name'));

  data.users.forEach((u, i) =>
    u.roles.forEach((name, j) => {
      if (!roleNames.has(name)) at(['users', i, 'roles', j], `unknown role "${name}"; the roles are: ${[...roleNames].join(', ') || 'none'}`);
    }),
  );

  const client_grants = data.clientGrants.map((grant, i) => {
    const owner = clients.find((c) => c.client_id === grant.client_id || c.name === grant.client_id);
    if (!owner) at(['clientGrants', i, 'client_id'], `no client named or with client_id "${grant.client_id}"`);
    if (!apiIds.has(grant.audience) && grant.audience !== MANAGEMENT_AUDIENCE_KEYWORD) at(['clientGrants', i, 'audience'], `no resource server with identifier "${grant.audience}"`);
    return { ...grant, client_id: owner?.client_id ?? grant.client_id };
  });

  if (data.tenant.default_audience && !apiIds.has(data.tenant.default_audience)) {
    at(['tenant', 'default_audience'], `no resource server with identifier "${data.tenant.default_audience}"`);
  }

  return {
    domain: data.domain,
    browser_origin: data.browser_origin,
    friendly_name: data.tenant.friendly_name,
    default_audience: data.tenant.default_audience,
    allowed_logout_urls: data.tenant.allowed_logout_urls,
    // Assumed on: Auth0 turns this toggle on for tenants created since late 2023.
    end_session_endpoint_discovery: data.tenant.oidc_logout?.rp_logout_end_session_endpoint_discovery ?? true,
    oidc_logout_prompt: data.tenant.sessions?.oidc_logout_prompt_enabled ?? true,
    clients,
    resource_servers: data.resourceServers.map((r) => ({
      name: r.name,
      identifier: r.identifier,
      scopes: r.scopes.map((s) => s.value),
      token_lifetime: r.token_lifetime,
      allow_offline_access: r.allow_offline_access,
    })),
    client_grants,
    roles: data.roles.map((r) => ({ id: r.id ?? stableId('rol_', r.name, 16), name: r.name, description: r.description })),
    users: data.users.map((u) => resolveUser(u, definedAt)),
    post_login_actions: resolvePostLoginActions(data, baseDir, at, problems),
  };
}

function resolveClient(c: TenantFile['clients'][number]): TenantClient {
  const interactive = c.app_type !== 'non_interactive';
  const publicClient = c.app_type === 'spa' || c.app_type === 'native';
  return {
    name: c.name,
    client_id: c.client_id ?? stableId('', c.name, 32),
    client_secret: publicClient ? undefined : (c.client_secret ?? stableId('', `${c.name}:secret`, 64)),
    app_type: c.app_type,
    callbacks: c.callbacks,
    allowed_logout_urls: c.allowed_logout_urls,
    web_origins: c.web_origins,
    // Auth0's defaults for a new application of each type.
    grant_types: c.grant_types ?? (interactive ? ['authorization_code', 'implicit', 'refresh_token'] : ['client_credentials']),
    token_endpoint_auth_method: c.token_endpoint_auth_method ?? (publicClient ? 'none' : 'client_secret_post'),
    id_token_lifetime: c.jwt_configuration?.lifetime_in_seconds ?? 36_000,
    refresh_token_rotation: c.refresh_token?.rotation_type === 'rotating',
  };
}

function resolveUser(u: TenantFile['users'][number], definedAt: string): TenantUser {
  const local = u.email.split('@')[0]!;
  return {
    user_id: u.user_id ?? stableId('auth0|', u.email.toLowerCase(), 24),
    email: u.email,
    password: u.password,
    email_verified: u.email_verified,
    // Auth0 database users: name defaults to the email, nickname to its local part.
    name: u.name ?? u.email,
    nickname: u.nickname ?? local,
    // Unset, the IdP's own default picture stands in for Auth0's Gravatar URL (docs/auth0.md#user-picture).
    picture: u.picture,
    given_name: u.given_name,
    family_name: u.family_name,
    created_at: definedAt,
    updated_at: definedAt,
    app_metadata: u.app_metadata,
    user_metadata: u.user_metadata,
    roles: u.roles,
  };
}

function resolvePostLoginActions(data: TenantFile, baseDir: string, at: Report, problems: Problem[]): Action[] {
  const bindings = data.triggers['post-login'] ?? [];
  return bindings.flatMap((binding, i): Action[] => {
    const index = data.actions.findIndex((a) => a.name === binding.action_name);
    if (index < 0) {
      at(['triggers', 'post-login', i, 'action_name'], `no action named "${binding.action_name}" in actions`);
      return [];
    }
    const action = data.actions[index]!;
    const file = resolve(baseDir, action.code);
    const modulesDir = join(baseDir, 'node_modules');
    action.dependencies.forEach((dependency, j) => {
      const problem = dependencyProblem(dependency, modulesDir);
      if (problem) at(['actions', index, 'dependencies', j], problem);
    });
    let code: string;
    try {
      code = readFileSync(file, 'utf8');
    } catch {
      at(['actions', index, 'code'], `the Action's code file ${action.code} cannot be read (looked at ${file})`);
      return [];
    }
    // Located in the Action's own file, where the fix is: better refused at start than a 403 at the first login.
    const syntax = actionSyntaxError(code, file);
    if (syntax) {
      const { message, line, column } = syntax;
      problems.push({ file: relative(process.cwd(), file) || file, path: '$', message: `the Action "${action.name}" (actions[${index}].code) does not compile: ${message}`, line, column });
    }
    return [{ name: action.name, file, code, secrets: Object.fromEntries(action.secrets.map((s) => [s.name, s.value])), dependencies: action.dependencies, modulesDir }];
  });
}

/** Auth0 installs an Action's npm modules itself; the sandbox, offline, loads them from the environment's node_modules. */
function dependencyProblem({ name, version }: { name: string; version?: string }, modulesDir: string): string | undefined {
  const wanted = version && version !== 'latest' ? `${name}@${version}` : name;
  const install = `run \`npm install ${wanted}\` in ${dirname(modulesDir)}`;
  let installed: string | undefined;
  try {
    installed = (JSON.parse(readFileSync(join(modulesDir, name, 'package.json'), 'utf8')) as { version?: string }).version;
  } catch {
    return `the npm module ${wanted} is not installed in ${modulesDir}: ${install}`;
  }
  // An exact version must match, as Auth0 would install exactly it; a range or "latest" takes what is there.
  if (version && /^\d+\.\d+\.\d+/.test(version) && installed !== version) return `${modulesDir} has ${name}@${installed}, not ${version}: ${install}`;
  return undefined;
}

function reportDuplicates(values: string[], report: (index: number) => void): void {
  values.forEach((value, i) => values.indexOf(value) !== i && report(i));
}

/** Ids that stay the same across restarts, so tokens and tests can name users and clients. */
function stableId(prefix: string, seed: string, length: number): string {
  return prefix + createHash('sha256').update(seed).digest('hex').slice(0, length);
}
