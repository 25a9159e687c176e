// What `dial-sandbox up` prints (sandbox/summary.ts), checked against the running services it describes:
// every user, key, variable and command it names is one that works (or fails) as it says.
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { ManagementClient } from 'auth0';
import { afterEach, describe, expect, it } from 'vitest';

import { DEFAULT_ENVIRONMENT } from '../common/environment-folder.ts';
import { loadEnvironment } from '../sandbox/environment.ts';
import { startSandbox, type StartedSandbox } from '../sandbox/start-sandbox.ts';
import { formatSummary } from '../sandbox/summary.ts';
import { chatStatus, privateStateDir } from './support/sandbox-helpers.ts';

const CLI = fileURLToPath(new URL('../bin/dial-sandbox.js', import.meta.url));
const run = promisify(execFile);

/** A copy of the default environment, changed by `edit(dir)`. */
function environmentWith(edit: (dir: string) => void = () => {}): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'summary-env-')), 'env');
  cpSync(DEFAULT_ENVIRONMENT, dir, { recursive: true });
  edit(dir);
  return dir;
}

const summaryOf = (sandbox: StartedSandbox, env: Record<string, string | undefined> = {}) =>
  formatSummary({ environment: sandbox.environment, idp: sandbox.idp, models: sandbox.models, core: sandbox.core, controlToken: false, startedInMs: 0, env });

/** The lines of one section: from its heading to the next blank line. */
function section(summary: string, heading: string): string[] {
  const lines = summary.split('\n');
  const start = lines.findIndex((l) => l.startsWith(heading));
  expect(start, `no section "${heading}" in:\n${summary}`).toBeGreaterThanOrEqual(0);
  const end = lines.indexOf('', start);
  return lines.slice(start + 1, end);
}

/** The `who may use which model` row of a model: the emails before the [userRoles …] note. */
function mayUse(summary: string, model: string): string[] {
  const row = summary.split('\n').find((l) => l.trimStart().startsWith(`${model} `));
  expect(row, `no access row for ${model}`).toBeDefined();
  return row!.trim().slice(model.length).split('[')[0]!.split(',').map((s) => s.trim()).filter((s) => s && s !== '(nobody)');
}

/** The IdP's answer to a real password grant for this user. */
const passwordStatus = (sandbox: StartedSandbox, username: string, password: string) =>
  fetch(`${sandbox.idpUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'password', client_id: 'dial-chat', client_secret: 'dial-chat-secret', username, password, audience: 'dial-api' }),
  }).then((r) => r.status);

const addCarol = async (sandbox: StartedSandbox) => {
  const management = new ManagementClient({ domain: new URL(sandbox.issuer).host, clientId: 'ci-runner', clientSecret: 'ci-runner-secret' });
  const carol = await management.users.create({ connection: 'Username-Password-Authentication', email: 'carol@example.com', password: 'carol', name: 'Carol' });
  const [role] = (await management.roles.list({ name_filter: 'auth0-role-name' })).data;
  await management.users.roles.assign(carol.user_id!, { roles: [role!.id!] });
};

describe('the start summary', () => {
  let sandbox: StartedSandbox | undefined;
  afterEach(async () => {
    await sandbox?.stop();
    sandbox = undefined;
  });

  it('on a fresh state folder lists tenant.yaml\'s users and no difference from it', async () => {
    sandbox = await startSandbox(environmentWith(), { stateDir: privateStateDir('summary-fresh') });
    const summary = summaryOf(sandbox);
    expect(section(summary, 'users')).toEqual([
      expect.stringMatching(/^ {2}alice@example\.com +password alice +roles auth0-role-name$/),
      expect.stringMatching(/^ {2}bob@example\.com +password bob +roles \(none\)$/),
    ]);
    // The difference line appears only when the directory is not tenant.yaml's: it must not cry wolf.
    expect(summary).not.toContain("not tenant.yaml's users");
    // How to trust the CA: Node's variable, and for browsers the command that does it.
    expect(summary).toContain(`npx dial-sandbox trust --state-dir '${dirname(dirname(sandbox.caFile))}'`);
  });

  it('after a restart lists a user the Management API created, with the role it assigned, and says the directory is not tenant.yaml\'s', async () => {
    const dir = environmentWith();
    const stateDir = privateStateDir('summary-carol');
    sandbox = await startSandbox(dir, { stateDir });
    await addCarol(sandbox);
    await sandbox.stop();
    // A restart on the same state folder, as `npm start` after Ctrl-C: the directory comes from the state kept.
    sandbox = await startSandbox(dir, { stateDir });
    const summary = summaryOf(sandbox);

    expect(section(summary, 'users')).toContainEqual(expect.stringMatching(/^ {2}carol@example\.com +password carol +roles auth0-role-name$/));
    // mock-core's rule over the directory's roles: carol, like alice, may use the tutorial's model; bob still not.
    expect(mayUse(summary, 'chat-gpt-35-turbo')).toEqual(['alice@example.com', 'carol@example.com']);
    expect(await chatStatus(sandbox.coreUrl!, await sandbox.token('carol@example.com'))).toBe(200);
    // One line with the difference and the fix, naming where the running IdP is (not the default port).
    const drift = summary.split('\n').filter((l) => l.includes("not tenant.yaml's users"));
    expect(drift).toHaveLength(1);
    expect(drift[0]).toContain('not in tenant.yaml: carol@example.com');
    expect(drift[0]).toContain(`\`npx dial-sandbox reset --idp ${sandbox.idpUrl} --core ${sandbox.coreUrl}\``);
  });

  it('does not list a user added to tenant.yaml while an older state file is kept (they cannot log in) and says so', async () => {
    const dir = environmentWith();
    const stateDir = privateStateDir('summary-dave');
    sandbox = await startSandbox(dir, { stateDir });
    await addCarol(sandbox); // a Management API change: the state folder now holds a directory of its own
    const { users, roles } = sandbox.idp.directory;
    await sandbox.stop();
    // A state folder of an earlier sandbox: directory.json alone, as before the journal (or after a compaction).
    rmSync(join(stateDir, 'directory.journal'));
    writeFileSync(join(stateDir, 'directory.json'), JSON.stringify({ defined: 'an earlier tenant.yaml', users, roles }));
    const tenantFile = join(dir, 'tenant.yaml');
    writeFileSync(tenantFile, readFileSync(tenantFile, 'utf8').replace(/^users:\n/m, 'users:\n  - email: dave@example.com\n    password: dave\n    name: Dave\n    roles: [auth0-role-name]\n'));
    sandbox = await startSandbox(loadEnvironment(dir), { stateDir });
    expect(sandbox.environment.tenant.users.map((u) => u.email)).toContain('dave@example.com'); // the edit took

    const summary = summaryOf(sandbox);
    // The rows of users (the difference line below them names dave as missing).
    expect(section(summary, 'users').filter((l) => !l.startsWith('  !')).join('\n')).not.toContain('dave@example.com');
    expect(mayUse(summary, 'chat-gpt-35-turbo')).toEqual(['alice@example.com', 'carol@example.com']);
    expect(summary).toContain('in tenant.yaml but not here, so they cannot log in: dave@example.com');
    // What the line claims: the IdP refuses dave's password.
    expect(await passwordStatus(sandbox, 'dave@example.com', 'dave')).toBe(403);
  });

  it('lists a user added to tenant.yaml when the state kept is only a journal of changes (they can log in)', async () => {
    const dir = environmentWith();
    const stateDir = privateStateDir('summary-dave-journal');
    sandbox = await startSandbox(dir, { stateDir });
    await addCarol(sandbox);
    await sandbox.stop();
    const tenantFile = join(dir, 'tenant.yaml');
    writeFileSync(tenantFile, readFileSync(tenantFile, 'utf8').replace(/^users:\n/m, 'users:\n  - email: dave@example.com\n    password: dave\n    name: Dave\n    roles: []\n'));
    // The journal's changes apply over the tenant.yaml of today: dave is in the directory, and so in the summary.
    sandbox = await startSandbox(loadEnvironment(dir), { stateDir });
    const summary = summaryOf(sandbox);
    expect(section(summary, 'users')).toContainEqual(expect.stringMatching(/^ {2}dave@example\.com +password dave +roles \(none\)$/));
    expect(await passwordStatus(sandbox, 'dave@example.com', 'dave')).toBe(200);
    expect(summary).toContain('not in tenant.yaml: carol@example.com');
    expect(summary).not.toContain('cannot log in');
  });

  it('lists the API keys of Core\'s config with project, roles and the models mock-core lets each call', async () => {
    sandbox = await startSandbox(environmentWith(), { stateDir: privateStateDir('summary-keys') });
    const keys = section(summaryOf(sandbox), '  API keys');
    expect(keys).toEqual([expect.stringMatching(/^ {4}ci-api-key +project ci, roles auth0-role-name: chat-gpt-35-turbo, gpt-4, text-embedding-3-small$/)]);
    // The same answers from the running mock-core with the key: the listed models open, the one left out does not.
    const callWithKey = (model: string, path = 'chat/completions', body: object = { messages: [{ role: 'user', content: 'hi' }] }) =>
      fetch(`${sandbox!.coreUrl}/openai/deployments/${model}/${path}`, { method: 'POST', headers: { 'api-key': 'ci-api-key', 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.status);
    expect(await callWithKey('chat-gpt-35-turbo')).toBe(200);
    expect(await callWithKey('gpt-4')).toBe(200);
    expect(await callWithKey('text-embedding-3-small', 'embeddings', { input: 'hi' })).toBe(200);
    expect(await callWithKey('gpt-4-closed')).toBe(403);
  });

  it('names the console when it runs, loopback only, and how a control token is asked for', async () => {
    sandbox = await startSandbox(environmentWith(), { stateDir: privateStateDir('summary-console'), consolePort: 0 });
    const base = { environment: sandbox.environment, idp: sandbox.idp, models: sandbox.models, core: sandbox.core, startedInMs: 0, env: {} };
    const open = formatSummary({ ...base, console: { url: sandbox.consoleUrl! }, controlToken: false });
    expect(section(open, 'console')).toEqual([`  url        ${sandbox.consoleUrl}    loopback only (--no-console: none)`]);
    expect((await fetch(sandbox.consoleUrl!)).status).toBe(200);
    const guarded = formatSummary({ ...base, console: { url: sandbox.consoleUrl! }, controlToken: true });
    expect(section(guarded, 'console')[0]).toContain('asks for the control token once, then keeps a session cookie');
    expect(summaryOf(sandbox)).not.toMatch(/^console/m);
  });

  it('lists the aidial.* variables in force, secrets masked, and says when there are none', async () => {
    sandbox = await startSandbox(environmentWith(), { stateDir: privateStateDir('summary-vars') });
    expect(summaryOf(sandbox, { PATH: '/bin' })).toContain('  variables  none (no aidial.* variable in the environment)');
    // An object value holding a secret is masked whole (Vert.x reads `{…}` values as JSON objects).
    // A password inside a URL is masked too, and a JSON list holding a secret as an object is.
    const summary = summaryOf(sandbox, {
      'aidial.config.reload': '1000', 'aidial.encryption.secret': 's3cr3t', 'aidial.redis': '{"password":"r3dis"}', 'proxy.config.reload': '5', PATH: '/bin',
      'aidial.redis.singleServerConfig.address': 'redis://:urlp4ss@redis:6379', 'aidial.identityProviders': '[{"clientSecret":"l1st"}]',
    });
    const variables = summary.split('\n').filter((l) => /^ {2}(variables | {10}) (aidial|proxy)\./.test(l)).map((l) => l.trim().replace(/^variables\s+/, ''));
    expect(variables).toEqual([
      'aidial.config.reload=1000',
      'aidial.encryption.secret=***',
      'aidial.identityProviders=***',
      'aidial.redis=***',
      'aidial.redis.singleServerConfig.address=redis://:***@redis:6379',
      'proxy.config.reload=5   [overridden by aidial.config.reload]',
    ]);
    expect(summary).not.toMatch(/s3cr3t|r3dis|urlp4ss|l1st/);
  });

  describe('try:', () => {
    const tryOf = (summary: string) => section(summary, 'try:').join('\n');
    const withClients = (edit: (yaml: string) => string) => environmentWith((d) => writeFileSync(join(d, 'tenant.yaml'), edit(readFileSync(join(d, 'tenant.yaml'), 'utf8'))));

    it('uses an application with the password grant even when it is not the first, and its curl gets a token', async () => {
      // ci-runner (client_credentials only) first: the old summary took clients[0] and printed a curl the IdP refuses.
      const dir = withClients((yaml) => {
        const chat = yaml.indexOf('  - name: dial-chat\n');
        const runner = yaml.indexOf('  - name: ci-runner\n');
        const end = yaml.indexOf('\nclientGrants:');
        return yaml.slice(0, chat) + yaml.slice(runner, end) + '\n' + yaml.slice(chat, runner).trimEnd() + yaml.slice(end);
      });
      sandbox = await startSandbox(dir, { stateDir: privateStateDir('summary-try') });
      expect(sandbox.environment.tenant.clients[0]!.client_id).toBe('ci-runner'); // the reordering took
      const text = tryOf(summaryOf(sandbox));
      const body = /-d '(.*)'$/m.exec(text)![1]!;
      expect(JSON.parse(body)).toMatchObject({ grant_type: 'password', client_id: 'dial-chat', client_secret: 'dial-chat-secret', username: 'alice@example.com' });
      const answer = await fetch(`${sandbox.idpUrl}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(answer.status).toBe(200);
    });

    it('with a public application (no secret) as the one with the password grant, a curl without a secret that gets a token', async () => {
      const dir = withClients((yaml) => yaml.replace('    client_secret: dial-chat-secret\n', '').replace('app_type: regular_web', 'app_type: spa').replace('token_endpoint_auth_method: client_secret_post', 'token_endpoint_auth_method: none'));
      sandbox = await startSandbox(dir, { stateDir: privateStateDir('summary-public') });
      expect(sandbox.environment.tenant.clients[0]).toMatchObject({ client_id: 'dial-chat', token_endpoint_auth_method: 'none' }); // the edit took
      const body = /-d '(.*)'$/m.exec(tryOf(summaryOf(sandbox)))![1]!;
      expect(JSON.parse(body)).not.toHaveProperty('client_secret');
      const answer = await fetch(`${sandbox.idpUrl}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(answer.status).toBe(200);
    });

    it('without an application with the password grant, offers a minted token instead of a curl that cannot work', async () => {
      const dir = withClients((yaml) => yaml.replace('      - refresh_token\n      - password\n', '      - refresh_token\n'));
      sandbox = await startSandbox(dir, { stateDir: privateStateDir('summary-nopassword') });
      expect(sandbox.environment.tenant.clients.some((c) => c.grant_types.includes('password'))).toBe(false);
      const text = tryOf(summaryOf(sandbox));
      expect(text).not.toContain('curl');
      // With the environment named, as it is not the default one: the CLI reads its tenant and rolePath.
      const command = `npx dial-sandbox token --user alice@example.com --lifetime 3600 --decode --idp ${sandbox.idpUrl} --env '${dir}'`;
      expect(text).toContain(command);
      // The command works as printed (npx dial-sandbox is this checkout's CLI): alice's token, the Post-Login Action's role in it.
      const { stdout } = await run(process.execPath, [CLI, 'token', '--user', 'alice@example.com', '--lifetime', '3600', '--decode', '--idp', sandbox.idpUrl, '--env', dir]);
      expect(stdout).toContain('auth0-role-name');
    });
  });
});
