import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { describe, expect, it } from 'vitest';

import { isSandboxIdpUrl, runDoctor } from '../sandbox/doctor/doctor.ts';
import type { Finding } from '../sandbox/doctor/findings.ts';
import { readInputs, type InputPaths } from '../sandbox/doctor/inputs.ts';
import { DEFAULT_ENVIRONMENT } from '../common/environment-folder.ts';
import { startTestIdp } from './support/idp.ts';
import { closedPort } from './support/ports.ts';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
/** The tutorial's settings as it writes them, defects included (the README's doctor walkthrough runs on them). */
const TUTORIAL_AS_WRITTEN = fileURLToPath(new URL('../examples/tutorial-as-written', import.meta.url));

/** A copy of the tutorial environment, changed by `edit(dir)`. */
function environmentWith(edit: (dir: string) => void = () => {}): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'doctor-')), 'env');
  cpSync(DEFAULT_ENVIRONMENT, dir, { recursive: true });
  edit(dir);
  return dir;
}
const editJson = (file: string, change: (value: Record<string, any>) => void) => {
  const value = JSON.parse(readFileSync(file, 'utf8'));
  change(value);
  writeFileSync(file, JSON.stringify(value, null, 2));
};
const editText = (file: string, from: string | RegExp, to: string) => writeFileSync(file, readFileSync(file, 'utf8').replace(from, to));
const doctor = (paths: InputPaths, probe = false) => runDoctor(readInputs(paths), { probe });
/** A port nothing listens on: taken free from the system, then closed. */
const byCheck = (findings: Finding[], check: string) => findings.filter((f) => f.check === check);

describe('dial-sandbox doctor', () => {
  it("finds every defect of the tutorial's own text (docs/auth0-tutorial.md#defects)", async () => {
    const dir = environmentWith((d) => {
      editText(join(d, 'tenant.yaml'), 'http://localhost:3000/api/auth/callback/auth0', 'https://https://chat.example.com/api/auth/callback/auth0');
      rmSync(join(d, 'core', 'aidial.settings.json'));
    });
    const findings = await doctor({
      envDir: dir,
      envFiles: [join(TUTORIAL_AS_WRITTEN, 'core.env')],
      config: [join(TUTORIAL_AS_WRITTEN, 'aidial.config.json')],
      chatEnv: join(TUTORIAL_AS_WRITTEN, 'chat.env'),
    });
    const checks = findings.filter((f) => f.severity === 'error').map((f) => f.check).sort();
    expect(checks).toEqual(['callback-doubled-scheme', 'chat-host-no-scheme', 'chat-secret-name', 'config-not-json', 'issuer-pattern-placeholder', 'jwks-url-triple-slash', 'missing-audience']);
    expect(byCheck(findings, 'jwks-url-triple-slash')[0]!.fix).toBe('write https://<auth0_domain>/.well-known/jwks.json');
    // The settings come from the env file alone: each finding points at the line that set the key.
    const envFile = join(TUTORIAL_AS_WRITTEN, 'core.env');
    expect(byCheck(findings, 'jwks-url-triple-slash')[0]!.where).toBe(`${envFile}:2: aidial.identityProviders.auth0.jwksUrl`);
    expect(byCheck(findings, 'issuer-pattern-placeholder')[0]!.where).toBe(`${envFile}:3: aidial.identityProviders.auth0.issuerPattern`);
    expect(byCheck(findings, 'issuer-pattern-placeholder')[0]!.compared).toContain('"^https:\\/\\/\\.eu\\.auth0\\.com.*$", which does not match the issuer https://localhost:4443/');
    expect(byCheck(findings, 'config-not-json')[0]!.compared).toContain('the file is a fragment ("models": …) without the outer { }');
    expect(byCheck(findings, 'chat-host-no-scheme')[0]!.fix).toBe('AUTH_AUTH0_HOST=https://dial-sandbox.us.auth0.com');
    expect(byCheck(findings, 'callback-doubled-scheme')[0]!.fix).toBe('write https://chat.example.com/api/auth/callback/auth0');
  });

  it('finds trailing commas and comments in aidial.config.json', async () => {
    const dir = environmentWith((d) => writeFileSync(join(d, 'core', 'aidial.config.json'), '{\n  // models\n  "models": {"m": {"type": "chat"},}\n}\n'));
    const [finding] = byCheck(await doctor({ envDir: dir }), 'config-not-json');
    expect(finding!.compared).toContain('a trailing comma before } or ]; a comment');
  });

  it('reports a settings file that is no JSON object as a finding, and goes on with the other checks', async () => {
    const dir = environmentWith((d) => writeFileSync(join(d, 'core', 'aidial.settings.json'), '{\n  "identityProviders": {},\n}\n'));
    const findings = await doctor({ envDir: dir });
    const [unreadable] = byCheck(findings, 'settings-not-json');
    expect(unreadable).toMatchObject({ severity: 'error', where: join(dir, 'core', 'aidial.settings.json') });
    expect(unreadable!.compared).toContain('a trailing comma before } or ]');
    // Core's defaults stand in for the settings, and the other checks run on them.
    expect(byCheck(findings, 'core-will-not-start')[0]!.title).toContain('At least one identity provider is required');
  });

  it('points a finding about an aidial.* line at its file:line: the line that won, or the one that set the whole object as JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'doctor-env-'));
    const envFile = join(dir, 'core.env');
    writeFileSync(envFile, [
      '# Core as compose would start it',
      'proxy.config.files=/opt/config/legacy.json',
      'aidial.config.files=/opt/config/aidial.config.json',
      'aidial.identityProviders={"auth0":{"jwksUrl":"https:///tenant/.well-known/jwks.json","rolePath":"dial_roles"}}',
      '',
    ].join('\n'));
    const findings = await doctor({ envFiles: [envFile] });
    // A string where Core wants a JSON array; the aidial. line wins over the legacy proxy. one, as in Core.
    expect(byCheck(findings, 'core-will-not-start')[0]!.where).toBe(`${envFile}:3: aidial.config.files`);
    // The jwksUrl sits inside the object line 4 gives as JSON.
    expect(byCheck(findings, 'jwks-url-triple-slash')[0]!.where).toBe(`${envFile}:4: aidial.identityProviders`);
  });

  it("warns of a top-level key Core ignores, in the dynamic config and the static settings, with the known key it is a typo of", async () => {
    const dir = environmentWith((d) => {
      editJson(join(d, 'core', 'aidial.config.json'), (c) => {
        c.kyes = { 'sandbox-key': { project: 'p', role: 'default' } };
        c.myNotes = 'for the team';
        // Newer Cores read toolsets: a key some version knows is no typo.
        c.toolsets = {};
      });
      editJson(join(d, 'core', 'aidial.settings.json'), (s) => (s.encyption = s.encryption));
    });
    const envFile = join(dir, 'core.env');
    writeFileSync(envFile, 'aidial.sever.port=8081\n');
    const findings = await doctor({ envDir: dir, envFiles: [envFile] });
    const configFile = join(dir, 'core', 'aidial.config.json');

    const unknownConfig = byCheck(findings, 'config-unknown-key');
    expect(unknownConfig.map((f) => f.where)).toEqual([`${configFile}: kyes`, `${configFile}: myNotes`]);
    expect(unknownConfig[0]).toMatchObject({ severity: 'warning', fix: 'rename "kyes" to "keys"' });
    expect(unknownConfig[0]!.title).toContain('(did you mean "keys"?)');
    // Nothing is near "myNotes": no guess, only the way out.
    expect(unknownConfig[1]!.title).not.toContain('did you mean');
    expect(unknownConfig[1]!.fix).toBe('remove "myNotes", or move what it holds under the key Core reads');
    // What the warning claims: Core binds the file without the key written under "kyes".
    expect(readInputs({ envDir: dir }).configFiles[0]!.config!.keys.has('sandbox-key')).toBe(false);

    const unknownSettings = byCheck(findings, 'settings-unknown-key');
    expect(unknownSettings.map((f) => [f.where, f.fix])).toEqual([
      [`${join(dir, 'core', 'aidial.settings.json')} + ${envFile}: encyption`, 'rename "encyption" to "encryption"'],
      // From an env line, it points at the line.
      [`${envFile}:1: aidial.sever.port`, 'rename "sever" to "server"'],
    ]);
  });

  it('tells an EU-only issuerPattern from the issuer the IdP really issues, and whether that matters yet', async () => {
    const dir = environmentWith((d) => {
      editText(join(d, 'tenant.yaml'), '# domain: dial-sandbox.eu.auth0.com', 'domain: dial-sandbox.us.auth0.com');
      editJson(join(d, 'core', 'aidial.settings.json'), (s) => (s.identityProviders.auth0.issuerPattern = '^https:\\/\\/dial-sandbox\\.eu\\.auth0\\.com.*$'));
    });
    const [one] = byCheck(await doctor({ envDir: dir }), 'issuer-pattern-mismatch');
    expect(one).toMatchObject({ severity: 'warning', fix: '^https:\\/\\/dial-sandbox\\.us\\.auth0\\.com\\/$' });
    expect(one!.compared).toContain('the pattern accepts EU tenants only');
    editJson(join(dir, 'core', 'aidial.settings.json'), (s) => (s.identityProviders.test = { disableJwtVerification: true, rolePath: 'roles' }));
    const [several] = byCheck(await doctor({ envDir: dir }), 'issuer-pattern-mismatch');
    expect(several!.severity).toBe('error');
    expect(several!.title).toContain('every token of this IdP gets 401');
  });

  it('finds a rolePath naming a namespaced claim', async () => {
    const dir = environmentWith((d) => editJson(join(d, 'core', 'aidial.settings.json'), (s) => (s.identityProviders.auth0.rolePath = 'https://dial.example.com/roles')));
    expect(byCheck(await doctor({ envDir: dir }), 'role-path-namespaced')[0]!.compared).toContain('["https://dial","example","com/roles"]');
  });

  it.each([
    ['roles set on the ID token only', 'roles-in-id-token', 'dial_roles', 'on the ID token only; Core reads the access token'],
    ['a restricted claim name, which Auth0 drops', 'restricted-roles', 'roles', '"roles" is a restricted claim name: Auth0 drops it'],
  ])('runs the tenant\'s Actions to find a rolePath that reaches no role: %s', async (_case, action, rolePath, because) => {
    const dir = environmentWith((d) => {
      cpSync(join(FIXTURES, `actions/${action}.js`), join(d, 'actions', 'dial-role.js'));
      editJson(join(d, 'core', 'aidial.settings.json'), (s) => (s.identityProviders.auth0.rolePath = rolePath));
    });
    const [finding] = byCheck(await doctor({ envDir: dir }), 'role-path-unreachable');
    expect(finding!.compared).toContain(because);
    expect(finding!.title).toContain('alice@example.com have tenant roles');
    // The provider's own rolePath key, not a bare "rolePath".
    expect(finding!.where).toBe(`${join(dir, 'core', 'aidial.settings.json')}: identityProviders.auth0.rolePath`);
  });

  it("reports an Action with a syntax error at its file and line, not as a rolePath that reaches no role", async () => {
    const dir = environmentWith((d) => writeFileSync(join(d, 'actions', 'dial-role.js'), 'exports.onExecutePostLogin = async (event, api) => {\n  if (event.authorization) {\n'));
    const findings = await doctor({ envDir: dir });
    const [syntax] = byCheck(findings, 'tenant-will-not-load');
    expect(syntax).toMatchObject({ severity: 'error', where: `${join(dir, 'actions', 'dial-role.js')}:3:1` });
    expect(syntax!.title).toContain('the Action "DIAL role" (actions[0].code) does not compile: SyntaxError: Unexpected end of input');
    // The Actions cannot run, so no finding may blame what running them would have shown.
    expect(byCheck(findings, 'role-path-unreachable')).toEqual([]);
    expect(byCheck(findings, 'user-roles-unsatisfiable')).toEqual([]);

    // Nor may one rest on a tenant setting it could not read: this tenant does have a Default Audience.
    editText(join(dir, 'tenant.yaml'), '# default_audience: dial-api', 'default_audience: dial-api');
    const withChat = await doctor({ envDir: dir, chatEnv: join(TUTORIAL_AS_WRITTEN, 'chat.env') });
    expect(byCheck(withChat, 'tenant-will-not-load')).toHaveLength(1);
    expect(byCheck(withChat, 'missing-audience')).toEqual([]);
  });

  it('finds userRoles no user of the tenant can satisfy, and userRoles [] (nobody)', async () => {
    const dir = environmentWith((d) => editJson(join(d, 'core', 'aidial.config.json'), (c) => (c.models['chat-gpt-35-turbo'].userRoles = ['admin'])));
    const findings = await doctor({ envDir: dir });
    expect(byCheck(findings, 'user-roles-unsatisfiable')[0]!.compared).toContain('alice@example.com ["auth0-role-name"]');
    expect(byCheck(findings, 'user-roles-nobody')[0]!.where).toContain('models.gpt-4-closed.userRoles');
  });

  it('reports a jwksUrl nothing answers at, and with the IdP up finds no error in the tutorial environment', async () => {
    const down = environmentWith((d) => editJson(join(d, 'core', 'aidial.settings.json'), (s) => (s.identityProviders.auth0.jwksUrl = 'http://127.0.0.1:1/.well-known/jwks.json')));
    const [unreachable] = byCheck(await doctor({ envDir: down }, true), 'jwks-unreachable');
    expect(unreachable!.compared).toContain('GET http://127.0.0.1:1/.well-known/jwks.json');
    // Not the sandbox's own port: a misconfiguration, not a sandbox that is merely stopped.
    expect(unreachable!.severity).toBe('error');

    // The probe asks only the IdP.
    await using idp = await startTestIdp();
    const up = environmentWith((d) => editJson(join(d, 'core', 'aidial.settings.json'), (s) => {
      s.identityProviders.auth0.jwksUrl = `${idp.httpUrl}/.well-known/jwks.json`;
      s.identityProviders.auth0.issuerPattern = `^${idp.issuer.replace(/[./]/g, '\\$&')}$`;
    }));
    expect((await doctor({ envDir: up }, true)).filter((f) => f.severity === 'error')).toEqual([]);
  });

  it("reads a jwksUrl at the sandbox's own IdP address, refused, as the sandbox not running: a warning that says to start it", async () => {
    // The shipped settings name the IdP's default HTTP port on loopback; the same host elsewhere, or another port, is not the sandbox.
    const shipped = JSON.parse(readFileSync(join(DEFAULT_ENVIRONMENT, 'core', 'aidial.settings.json'), 'utf8'));
    expect(isSandboxIdpUrl(shipped.identityProviders.auth0.jwksUrl)).toBe(true);
    expect(isSandboxIdpUrl('http://idp:4000/.well-known/jwks.json')).toBe(false);
    expect(isSandboxIdpUrl('http://127.0.0.1:4001/.well-known/jwks.json')).toBe(false);
    expect(isSandboxIdpUrl('http://localhost:4443/.well-known/jwks.json')).toBe(false);

    // The default port may be taken on this machine, so the sandbox's ports are a closed free one here.
    const port = await closedPort();
    const jwksUrl = `http://127.0.0.1:${port}/.well-known/jwks.json`;
    const dir = environmentWith((d) => editJson(join(d, 'core', 'aidial.settings.json'), (s) => (s.identityProviders.auth0.jwksUrl = jwksUrl)));
    const findings = await runDoctor(readInputs({ envDir: dir }), { probe: true, sandboxIdpPorts: { httpPort: port, httpsPort: port } });
    expect(byCheck(findings, 'jwks-unreachable')).toEqual([]);
    const [stopped] = byCheck(findings, 'jwks-sandbox-not-running');
    expect(stopped).toMatchObject({ severity: 'warning', fix: 'start the sandbox (npm start) or pass --no-probe' });
    expect(stopped!.title).toContain(`nothing answers at ${jwksUrl}`);
    expect(findings.filter((f) => f.severity === 'error')).toEqual([]);
  });

  it('exits non-zero on errors and prints JSON with --json', async () => {
    const dir = environmentWith((d) => editJson(join(d, 'core', 'aidial.settings.json'), (s) => (s.identityProviders.auth0.jwksUrl = 'https:///tenant/.well-known/jwks.json')));
    const cli = fileURLToPath(new URL('../bin/dial-sandbox.js', import.meta.url));
    const failure = await promisify(execFile)(process.execPath, [cli, 'doctor', dir, '--json', '--no-probe']).catch((e: { code: number; stdout: string }) => e);
    expect((failure as { code: number }).code).toBe(1);
    expect(JSON.parse((failure as { stdout: string }).stdout).map((f: Finding) => f.check)).toContain('jwks-url-triple-slash');
  });
});
