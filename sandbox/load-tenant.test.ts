import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { SandboxError } from './errors.ts';
import { DEFAULT_ENVIRONMENT, loadEnvironment } from './environment.ts';
import { loadTenant } from './load-tenant.ts';

function tenantFile(yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tenant-'));
  writeFileSync(join(dir, 'tenant.yaml'), yaml);
  return join(dir, 'tenant.yaml');
}

function problemsOf(file: string) {
  try {
    loadTenant(file);
  } catch (error) {
    expect(error).toBeInstanceOf(SandboxError);
    return (error as SandboxError).problems;
  }
  throw new Error('expected the tenant to be rejected');
}

describe('loadTenant', () => {
  it('loads the default environment: the tutorial tenant with its Action, roles and client grants', () => {
    const { tenant } = loadEnvironment(DEFAULT_ENVIRONMENT);
    expect(tenant.resource_servers.map((r) => r.identifier)).toEqual(['dial-api']);
    expect(tenant.clients.find((c) => c.client_id === 'dial-chat')).toMatchObject({
      client_secret: 'dial-chat-secret',
      app_type: 'regular_web',
      callbacks: ['http://localhost:3000/api/auth/callback/auth0'],
      grant_types: ['authorization_code', 'refresh_token', 'password'],
    });
    expect(tenant.client_grants).toEqual([
      { client_id: 'ci-runner', audience: 'dial-api', scope: [] },
      // Deploy CLI's keyword for the tenant's domain; the IdP resolves it once it knows its issuer.
      { client_id: 'ci-runner', audience: 'https://##AUTH0_DOMAIN##/api/v2/', scope: expect.arrayContaining(['read:users', 'create:role_members', 'read:signing_keys', 'create:signing_keys', 'update:signing_keys']) },
    ]);
    expect(tenant.users.map((u) => [u.email, u.roles])).toEqual([['alice@example.com', ['auth0-role-name']], ['bob@example.com', []]]);
    expect(tenant.post_login_actions.map((a) => a.name)).toEqual(['DIAL role']);
    expect(tenant.post_login_actions[0]!.code).toContain('api.accessToken.setCustomClaim("dial_roles", event.authorization.roles)');
  });

  it('gives users Auth0-style ids that stay the same from one load to the next', () => {
    const first = loadEnvironment().tenant.users[0]!.user_id;
    expect(first).toMatch(/^auth0\|[0-9a-f]{24}$/);
    expect(loadEnvironment().tenant.users[0]!.user_id).toBe(first);
  });

  it('reports invalid YAML with its line and column', () => {
    const problems = problemsOf(tenantFile('clients:\n  - name: a\n    callbacks: [x\n'));
    expect(problems[0]).toMatchObject({ path: '$', line: expect.any(Number), column: expect.any(Number) });
    expect(problems[0]!.message).toMatch(/^invalid YAML/);
  });

  it('reports every shape problem at once, each with its JSON path and line', () => {
    const problems = problemsOf(tenantFile(`
resourceServers:
  - name: API
    signing_alg: HS256
users:
  - email: not-an-email
    password: x
  - email: dave@example.com
`));
    expect(problems.map((p) => [p.path, p.line])).toEqual([
      ['$.resourceServers[0].identifier', 3],
      ['$.resourceServers[0].signing_alg', 4],
      ['$.users[0].email', 6],
      ['$.users[1].password', 8],
    ]);
    expect(problems[1]!.message).toContain('RS256 only');
  });

  it('reports every broken reference at once, each with its JSON path and line', () => {
    const second = problemsOf(tenantFile(`
resourceServers:
  - name: API
    identifier: api
roles:
  - name: admin
users:
  - email: carol@example.com
    password: x
    roles: [admin, auditor]
clientGrants:
  - client_id: ghost
    audience: nowhere
actions:
  - name: missing
    code: ./actions/missing.js
triggers:
  post-login:
    - action_name: missing
    - action_name: unbound
`));
    expect(second.map((p) => [p.path, p.line])).toEqual([
      ['$.users[0].roles[1]', 10],
      ['$.clientGrants[0].client_id', 12],
      ['$.clientGrants[0].audience', 13],
      ['$.actions[0].code', 16],
      ['$.triggers.post-login[1].action_name', 20],
    ]);
    expect(second[0]!.message).toBe('unknown role "auditor"; the roles are: admin');
    expect(second[3]!.message).toContain('./actions/missing.js');
  });

  it('says what a folder without tenant.yaml is missing', () => {
    expect(() => loadEnvironment(tmpdir())).toThrow(/has no tenant\.yaml/);
  });
});
