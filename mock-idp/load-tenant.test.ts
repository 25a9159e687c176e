import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';

import { describe, expect, it } from 'vitest';

import { DEFAULT_ENVIRONMENT } from '../common/environment-folder.ts';
import { SandboxError } from '../common/sandbox-error.ts';
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
    const tenant = loadTenant(join(DEFAULT_ENVIRONMENT, 'tenant.yaml'));
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
    const first = loadTenant(join(DEFAULT_ENVIRONMENT, 'tenant.yaml')).users[0]!.user_id;
    expect(first).toMatch(/^auth0\|[0-9a-f]{24}$/);
    expect(loadTenant(join(DEFAULT_ENVIRONMENT, 'tenant.yaml')).users[0]!.user_id).toBe(first);
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

  it("loads an Action's declared npm modules from the environment's node_modules, and says how to install a missing or different one", () => {
    const file = tenantFile(`
actions:
  - name: uses-modules
    code: ./actions/uses-modules.js
    dependencies:
      - name: greeting
        version: 1.0.0
      - name: left-pad
        version: 1.3.0
      - name: other-greeting
        version: 2.0.0
triggers:
  post-login:
    - action_name: uses-modules
`);
    const dir = dirname(file);
    mkdirSync(join(dir, 'actions'));
    writeFileSync(join(dir, 'actions/uses-modules.js'), 'exports.onExecutePostLogin = async () => {};');
    for (const [name, version] of [['greeting', '1.0.0'], ['other-greeting', '1.9.0']]) {
      mkdirSync(join(dir, 'node_modules', name!), { recursive: true });
      writeFileSync(join(dir, 'node_modules', name!, 'package.json'), JSON.stringify({ name, version }));
    }
    const problems = problemsOf(file);
    expect(problems.map((p) => [p.path, p.message])).toEqual([
      ['$.actions[0].dependencies[1]', `the npm module left-pad@1.3.0 is not installed in ${join(dir, 'node_modules')}: run \`npm install left-pad@1.3.0\` in ${dir}`],
      ['$.actions[0].dependencies[2]', `${join(dir, 'node_modules')} has other-greeting@1.9.0, not 2.0.0: run \`npm install other-greeting@2.0.0\` in ${dir}`],
    ]);
    rmSync(join(dir, 'node_modules', 'other-greeting'), { recursive: true });
    mkdirSync(join(dir, 'node_modules', 'left-pad'));
    writeFileSync(join(dir, 'node_modules', 'left-pad', 'package.json'), JSON.stringify({ name: 'left-pad', version: '1.3.0' }));
    mkdirSync(join(dir, 'node_modules', 'other-greeting'));
    writeFileSync(join(dir, 'node_modules', 'other-greeting', 'package.json'), JSON.stringify({ name: 'other-greeting', version: '2.0.0' }));
    expect(loadTenant(file).post_login_actions[0]).toMatchObject({ dependencies: [{ name: 'greeting' }, { name: 'left-pad' }, { name: 'other-greeting' }], modulesDir: join(dir, 'node_modules') });
  });
  it("refuses an Action that does not compile, located at the line and column of the Action's own file", () => {
    const file = tenantFile(`
actions:
  - name: broken
    code: ./actions/broken.js
  - name: top-level-return
    code: ./actions/top-level-return.js
triggers:
  post-login:
    - action_name: broken
    - action_name: top-level-return
`);
    const dir = dirname(file);
    mkdirSync(join(dir, 'actions'));
    // A stray token on line 3, column 12 (the ";"): V8 points at it.
    writeFileSync(join(dir, 'actions/broken.js'), 'exports.onExecutePostLogin = async (event, api) => {\n  const roles = event.authorization.roles;\n  api.deny(;\n};\n');
    // Legal in the module wrapper action-host.js compiles the code in, so the check must not refuse it.
    writeFileSync(join(dir, 'actions/top-level-return.js'), 'exports.onExecutePostLogin = async () => {};\nreturn;\n');
    const problems = problemsOf(file);
    expect(problems).toEqual([{
      file: relative(process.cwd(), join(dir, 'actions/broken.js')),
      path: '$',
      message: "the Action \"broken\" (actions[0].code) does not compile: SyntaxError: Unexpected token ';'",
      line: 3,
      column: 12,
    }]);

    // The report of the issue: a block left open ends the file early; the line is known, the column not.
    writeFileSync(join(dir, 'actions/broken.js'), 'exports.onExecutePostLogin = async (event, api) => {\n  if (event.user) {\n');
    expect(problemsOf(file).map((p) => [p.message, p.line])).toEqual([['the Action "broken" (actions[0].code) does not compile: SyntaxError: Unexpected end of input', 3]]);
  });
});
