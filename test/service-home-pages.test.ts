/**
 * What each service answers at `/`, for a person who opens it: mock-idp a page naming its tenant and where to
 * go, mock-models a short JSON of what it is. mock-core keeps DIAL Core's own answer there (Core has no page
 * at `/`: Proxy authenticates every path but /health and /version, and ControllerSelector has nothing for
 * `/`, so 401 before authentication and 502 "No route" after), since fidelity to Core is the point of it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Core } from '../mock-core/core.ts';
import type { Models } from '../mock-models/models.ts';
import { call, startCoreWith } from './support/core-alone.ts';
import { loginThroughBrowser } from './support/browser.ts';
import { alice, startTestIdp, tutorialTenant, type TestIdp } from './support/idp.ts';
import { startTestModels } from './support/models.ts';

describe('GET / of each service', () => {
  let idp: TestIdp;
  let oddIdp: TestIdp;
  let models: Models;
  let core: Core;
  beforeAll(async () => {
    [idp, oddIdp, models, core] = await Promise.all([
      startTestIdp(),
      // A tenant whose name is markup: the page must show it as text.
      startTestIdp({ tenant: tutorialTenant((t) => (t.friendly_name = '<script>alert(1)</script> & Co')) }),
      startTestModels(),
      startCoreWith({ identityProviders: { idp: { disableJwtVerification: true, rolePath: 'roles' } } }, { keys: { 'home-key': { project: 'home', role: 'r' } } }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([idp?.stop(), oddIdp?.stop(), models?.stop(), core?.stop()]);
  });

  it('mock-idp: an HTML page naming the tenant, its issuer, discovery, users, applications and a login that works', async () => {
    const response = await fetch(`${idp.httpUrl}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain(`Issuer <code>${idp.issuer}</code>`);
    for (const user of idp.tenant.users) expect(html).toContain(user.email);
    for (const client of idp.tenant.clients) expect(html).toContain(`<code>${client.client_id}</code>`);
    // Secrets stay out of it: no client secret, no password field's value.
    for (const client of idp.tenant.clients) if (client.client_secret) expect(html).not.toContain(client.client_secret);
    for (const user of idp.tenant.users) expect(html).not.toMatch(new RegExp(`password[^<]*${user.password}`));
    // Its links lead somewhere: the discovery document names this issuer, and the login link reaches the login page.
    const discoveryHref = /href="([^"]*openid-configuration)"/.exec(html)?.[1];
    expect(((await (await fetch(new URL(discoveryHref!, idp.httpUrl))).json()) as { issuer: string }).issuer).toBe(idp.issuer);
    const loginHref = /href="(\/authorize\?[^"]*)"/.exec(html)?.[1]?.replaceAll('&amp;', '&');
    const callback = new URL(loginHref!, idp.httpUrl).searchParams.get('redirect_uri')!;
    const landing = await loginThroughBrowser(new URL(loginHref!, idp.httpsUrl), { email: alice.username, password: alice.password }, callback);
    expect(landing.visited.some((url) => url.includes('/u/login?state='))).toBe(true);
    expect(landing.url.searchParams.get('code')).toBeTruthy();
  });

  it("mock-idp: the tenant's name as text, never as markup", async () => {
    const html = await (await fetch(`${oddIdp.httpUrl}/`)).text();
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co');
    expect(html).not.toContain('<script>');
  });

  it('mock-models: a JSON saying what it is, its models and its main routes', async () => {
    const response = await fetch(`${models.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await response.json()) as { service: string; models: string[]; routes: Record<string, string> };
    expect(body.service).toBe('mock-models');
    expect(body.models).toContain('gpt-35-turbo');
    expect(Object.keys(body.routes)).toEqual(expect.arrayContaining(['GET /v1/models', 'POST /openai/deployments/{model}/chat/completions', 'GET /healthz']));
  });

  it("mock-core: Core's own answers at /, unchanged (401 without credentials, 502 \"No route\" with them)", async () => {
    expect(await call(`${core.url}/`)).toMatchObject({ status: 401, body: 'At least API-KEY or Authorization header must be provided', contentType: null });
    expect(await call(`${core.url}/`, { headers: { 'api-key': 'home-key' } })).toMatchObject({ status: 502, body: 'No route', contentType: null });
  });
});
