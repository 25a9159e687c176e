/** The services on IPv6 loopback (`--host ::1`): the URL each prints and returns is one a client can fetch. */
import { createServer } from 'node:net';

import { beforeEach, describe, expect, it } from 'vitest';

import { listen } from '../common/listen.ts';
import { createMemoryLogger } from '../common/log.ts';
import { createCore } from '../mock-core/core.ts';
import { loadStaticSettings } from '../mock-core/settings.ts';
import { startMain } from './support/main-process.ts';

/** Some containers and CI runners have IPv6 switched off: nothing to bind ::1 to there. */
const NO_IPV6 = 'this machine has no IPv6 loopback (::1)';
const ipv6Loopback = await new Promise<boolean>((resolve) => {
  const probe = createServer().once('error', () => resolve(false));
  probe.listen(0, '::1', () => probe.close(() => resolve(true)));
});

describe('listen', () => {
  it('says where an IPv4 server is, with the port it picked', async () => {
    const server = createServer();
    const { url, port } = await listen(server, 0, '127.0.0.1');
    server.close();
    expect(port).toBeGreaterThan(0);
    expect(url).toBe(`http://127.0.0.1:${port}`);
  });

  it('rejects with the error of an address it cannot bind', async () => {
    await expect(listen(createServer(), 0, '192.0.2.1')).rejects.toMatchObject({ code: 'EADDRNOTAVAIL' });
  });

  it('puts an IPv6 address in brackets, as a URL must', async (context) => {
    context.skip(!ipv6Loopback, NO_IPV6);
    const server = createServer();
    const { url, port } = await listen(server, 0, '::1', 'https');
    server.close();
    expect(url).toBe(`https://[::1]:${port}`);
  });
});

describe('the services on ::1', () => {
  beforeEach((context) => context.skip(!ipv6Loopback, NO_IPV6));

  it('mock-models/main.ts prints a URL that answers', async () => {
    const models = await startMain('mock-models/main.ts', { SANDBOX_HOST: '::1', SANDBOX_MODELS_PORT: '0' });
    try {
      const url = /listening: (http:\/\/\[::1\]:\d+) /.exec(models.line)?.[1];
      expect(url, models.line).toBeDefined();
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    } finally {
      await models.stop();
    }
  });

  it('mock-idp/main.ts prints URLs in brackets, and its HTTP one answers', async () => {
    const idp = await startMain('mock-idp/main.ts', { SANDBOX_HOST: '::1', SANDBOX_IDP_HTTP_PORT: '0', SANDBOX_IDP_HTTPS_PORT: '0' });
    try {
      const [http, https] = [...idp.line.matchAll(/(https?:\/\/\[::1\]:\d+)/g)].map((m) => m[1]);
      expect([http, https], idp.line).toEqual([expect.stringMatching(/^http:/), expect.stringMatching(/^https:/)]);
      expect((await fetch(`${http}/healthz`)).status).toBe(200);
      // Only parsed: the test certificate does not name ::1 (SANDBOX_TLS_NAMES would rewrite the shared one).
      expect(new URL(https!).hostname).toBe('[::1]');
    } finally {
      await idp.stop();
    }
  });

  it("mock-core's url answers", async () => {
    const settings = loadStaticSettings({ overrides: { identityProviders: { idp: { disableJwtVerification: true, rolePath: 'roles' } } } });
    const core = await createCore({ settings, config: { inline: {} }, host: '::1', port: 0, log: createMemoryLogger('mock-core') });
    try {
      expect(core.url).toMatch(/^http:\/\/\[::1\]:\d+$/);
      expect((await fetch(`${core.url}/health`)).status).toBe(200);
    } finally {
      await core.stop();
    }
  });
});
