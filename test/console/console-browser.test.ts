/**
 * The web console in Debian's chromium: what the issue asks of it, in the order Core's JWK cache allows
 * (jwks-503 shows only for a kid Core has not cached, so it comes last, after a rotation). Every wait is on
 * a condition. The screenshots of the README come from this run (docs/images/console-*.png; see
 * `screenshot` below for when they are rewritten).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startSandbox, type StartedSandbox } from '../../sandbox/index.ts';
import { browserUnavailable, launchTrustingChromium, type TrustingBrowser } from '../support/chromium.ts';
import { privateStateDir } from '../support/sandbox-helpers.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
/** What the page may take to show a change (the matrix is read again at most every few hundred ms). */
const WAIT = 10_000;
const unavailable = browserUnavailable();
if (unavailable) console.warn(`[console] browser test skipped: ${unavailable}`);

/**
 * The README's images: rewritten when missing or when UPDATE_SCREENSHOTS=1 (kids, user ids and times differ
 * from run to run, so rewriting on every run would leave every clone dirty); every run takes them, into
 * the test state folder otherwise, so a view that no longer draws fails here.
 */
async function screenshot(page: Page, name: string): Promise<void> {
  const docs = join(ROOT, 'docs/images', `console-${name}.png`);
  const target = !existsSync(docs) || process.env.UPDATE_SCREENSHOTS === '1' ? docs : join(ROOT, '.sandbox/test/screenshots', `console-${name}.png`);
  mkdirSync(dirname(target), { recursive: true });
  const png = await page.screenshot({ fullPage: true, animations: 'disabled', mask: [page.locator('td.at')] });
  expect(png.subarray(1, 4).toString()).toBe('PNG');
  if (!existsSync(target) || !readFileSync(target).equals(png)) writeFileSync(target, png);
}

/** axe-core's WCAG 2 A and AA rules (labels, names, contrast) on the view shown. */
async function accessibilityViolations(page: Page): Promise<string[]> {
  // Evaluated through the debugging protocol: the page's CSP refuses inline scripts, as it should.
  await page.evaluate(readFileSync(AXE, 'utf8'));
  const violations = await page.evaluate(async () => {
    const { axe, document } = globalThis as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }> }; document: unknown };
    const result = await axe.run(document, { runOnly: ['wcag2a', 'wcag2aa'] });
    return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  return violations;
}

describe.skipIf(Boolean(unavailable))(`the web console in chromium${unavailable ? ` — skipped: ${unavailable}` : ''}`, () => {
  let sandbox: StartedSandbox;
  let browser: TrustingBrowser;
  let context: BrowserContext;
  let page: Page;
  const requested: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox(undefined, { stateDir: privateStateDir('console-browser'), consolePort: 0 });
    browser = await launchTrustingChromium(sandbox.caFile);
    context = await browser.browser.newContext({ viewport: { width: 1280, height: 800 }, reducedMotion: 'reduce', colorScheme: 'light' });
    page = await context.newPage();
    page.on('request', (request) => requested.push(request.url()));
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(sandbox.consoleUrl!);
  }, 60_000);
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await sandbox?.stop();
  });

  const cell = (caller: string, deployment: string) => page.locator(`tr[data-caller="${caller}"] td[data-deployment="${deployment}"]`);
  const view = async (name: string) => {
    await page.getByRole('link', { name }).click();
    await expect.poll(() => page.locator('#view-title').textContent(), { timeout: WAIT }).toBe(name);
  };

  it('draws the matrix: alice allowed and bob denied on chat-gpt-35-turbo, each with the rule that decided it', async () => {
    await page.locator('html[data-matrix-drawn]').waitFor();
    const alice = cell('alice@example.com', 'chat-gpt-35-turbo');
    await expect.poll(() => alice.getAttribute('data-verdict'), { timeout: WAIT }).toBe('allowed');
    expect(await alice.textContent()).toContain('userRoles ["auth0-role-name"] has the caller\'s "auth0-role-name"');
    const bob = cell('bob@example.com', 'chat-gpt-35-turbo');
    expect(await bob.getAttribute('data-verdict')).toBe('denied');
    expect(await bob.textContent()).toContain('has none of the caller\'s roles []');
    expect(await bob.textContent()).toContain('Forbidden deployment: chat-gpt-35-turbo');
    // The API keys are rows too, with the key's roles.
    expect(await page.locator('tr[data-caller="ci-api-key"]').count()).toBe(1);
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'matrix');
    // Past 100 users the matrix draws the first ones; the filter reaches the others.
    await page.getByLabel('Callers whose email or API key has').fill('bob');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => page.locator('table.matrix tbody th[scope="row"]').count(), { timeout: WAIT }).toBe(1);
    await page.getByLabel('Callers whose email or API key has').fill('');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => page.locator('table.matrix tbody th[scope="row"]').count(), { timeout: WAIT }).toBe(3);
  });

  it('assigns bob the role by keyboard through the Management API: his held token stays denied, his next login is allowed, and after it the cell is', async () => {
    await sandbox.token('bob@example.com'); // the token bob holds, before the change
    const bobCell = cell('bob@example.com', 'chat-gpt-35-turbo');
    await expect.poll(() => page.locator('tr[data-caller="bob@example.com"] th').textContent(), { timeout: WAIT }).toContain('holds a token from');

    await view('Users and roles');
    const select = page.getByLabel('Role for bob@example.com');
    await select.focus();
    await select.selectOption({ label: 'auth0-role-name' });
    await page.keyboard.press('Tab');
    await expect.poll(() => page.evaluate(() => (globalThis as unknown as { document: { activeElement?: { textContent: string } } }).document.activeElement?.textContent), { timeout: WAIT }).toBe('Assign');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('status').textContent(), { timeout: WAIT }).toMatch(/POST \/api\/v2\/users\/auth0%7C[0-9a-f]+\/roles {"roles":\["rol_\w+"\]} → 204/);
    const bobRow = page.locator('tr[data-user="bob@example.com"]');
    await expect.poll(() => bobRow.textContent(), { timeout: WAIT }).toMatch(/next login carries \["auth0-role-name"\]; the token held \(\d\d:\d\d:\d\d\) carries \[\]/);
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'users');

    await view('Access');
    await expect.poll(() => bobCell.locator('.verdict').textContent(), { timeout: WAIT }).toMatch(/held token \(\d\d:\d\d:\d\d\): denied · next login: allowed/);
    await sandbox.token('bob@example.com'); // his next login
    await expect.poll(() => bobCell.locator('.verdict').textContent(), { timeout: WAIT }).toMatch(/^\W*allowed$/);
    expect(await bobCell.getAttribute('data-verdict')).toBe('allowed');
  });

  it('tries a prompt as alice: the answer streams in over several updates, then the headers Core added', async () => {
    sandbox.models.setFault('gpt-35-turbo', { chunkDelayMs: 50 });
    await view('Try it');
    await page.getByLabel('Caller').selectOption({ label: 'alice@example.com' });
    await page.getByLabel('Deployment').selectOption('chat-gpt-35-turbo');
    await page.getByLabel('Prompt').fill('hello from the console');
    await page.getByRole('button', { name: 'Send' }).click();
    const answer = page.locator('#try-answer');
    // A part of the answer is drawn before the whole: it streamed.
    await expect.poll(() => answer.textContent(), { timeout: WAIT, interval: 5 }).toMatch(/^hello(?! from the console$)/);
    await expect.poll(() => answer.textContent(), { timeout: WAIT }).toBe('hello from the console');
    expect(await page.evaluate(() => (globalThis as unknown as { consoleStats: { tryUpdates: number } }).consoleStats.tryUpdates)).toBeGreaterThan(1);
    const added = page.locator('dl.added');
    await expect.poll(() => added.textContent(), { timeout: WAIT }).toContain('api-key');
    expect(await added.textContent()).toContain('x-upstream-endpoint');
    sandbox.models.setFault('gpt-35-turbo', undefined);
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'try');
  });

  it("shows a user's storage as Core answers them: alice's conversation in her bucket, none in bob's", async () => {
    const token = await sandbox.token('alice@example.com');
    const call = (method: string, path: string, body?: object) => fetch(`${sandbox.coreUrl}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
    const { bucket } = (await (await call('GET', '/v1/bucket')).json()) as { bucket: string };
    const conversation = { id: 'c1', folderId: 'conversations/x', name: 'From the console test', prompt: '', temperature: 1, model: { id: 'gpt-4' }, selectedAddons: [], messages: [] };
    expect((await call('PUT', `/v1/conversations/${bucket}/From%20the%20console%20test`, conversation)).status).toBe(200);

    await view('Storage');
    await page.getByLabel('User').selectOption('alice@example.com');
    await page.getByRole('button', { name: 'Show their storage' }).click();
    const storage = page.locator('.storage-of');
    await expect.poll(() => storage.textContent(), { timeout: WAIT }).toContain(`conversations/${bucket}/From%20the%20console%20test`);
    expect(await storage.textContent()).toContain(`Bucket ${bucket} of alice@example.com`);
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByLabel('User').selectOption('bob@example.com');
    await page.getByRole('button', { name: 'Show their storage' }).click();
    await expect.poll(() => storage.textContent(), { timeout: WAIT }).toContain('of bob@example.com');
    expect(await storage.textContent()).toMatch(/Conversations \(0\)/);
  });

  it('reads a pasted token that the sandbox clock has moved past: expired by that clock, and Core\'s 401 with the cause', async () => {
    const minted = (await (await fetch(`${sandbox.idpUrl}/__control/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'alice@example.com', lifetime_seconds: 600 }) })).json()) as { access_token: string };
    await view('Faults and time');
    await page.getByLabel('Move by (seconds; negative goes back)').fill('3600');
    await page.getByRole('button', { name: 'Move', exact: true }).click();
    await expect.poll(() => page.getByRole('status').textContent(), { timeout: WAIT }).toContain('PUT /__control/clock');
    await page.getByRole('button', { name: 'Freeze' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Resume' }).count(), { timeout: WAIT }).toBe(1);

    await view('Tokens');
    await page.getByLabel(/A token to read/).fill(`Authorization: Bearer ${minted.access_token}`);
    await page.getByRole('button', { name: 'Read it as Core would' }).click();
    const expiry = page.locator('.inspection .expiry');
    await expect.poll(() => expiry.textContent(), { timeout: WAIT }).toMatch(/^expired 50 min ago \(.*\) by the sandbox clock \(60 min ahead of the system clock\)$/);
    expect(await page.locator('.core-verdict').textContent()).toMatch(/401 Bad Authorization header: The Token has expired on .* expired 50 min ago/);
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'tokens');

    await view('Faults and time');
    await page.getByRole('button', { name: 'Back to the system clock' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Freeze' }).count(), { timeout: WAIT }).toBe(1);
    expect(await accessibilityViolations(page)).toEqual([]);
  });

  it("switches jwks-503 on after a rotation: Core's refusal shows in the timeline with the cause, and the filters keep or hide it", async () => {
    await view('Faults and time');
    // Core holds the current kid since the first calls; a new one is what it must download.
    await page.getByRole('button', { name: /^Rotate/ }).click();
    await expect.poll(() => page.getByRole('status').textContent(), { timeout: WAIT }).toContain('POST /api/v2/keys/signing/rotate');
    await page.getByLabel('Scenario', { exact: true }).selectOption('jwks-503');
    await page.getByLabel(/^For \(seconds/).fill('60');
    await page.getByRole('button', { name: 'Switch on' }).click();
    await expect.poll(() => page.locator('.controls').textContent(), { timeout: WAIT }).toContain('In force: jwks-503');

    await view('Timeline');
    const token = await sandbox.token('alice@example.com');
    const refused = await fetch(`${sandbox.coreUrl}/openai/deployments/chat-gpt-35-turbo/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"messages":[{"role":"user","content":"hi"}]}' });
    expect(refused.status).toBe(401);
    const row = page.locator('table.timeline tr[data-source="core"].refused', { hasText: 'answered HTTP 503' }).first();
    await expect.poll(() => row.textContent(), { timeout: WAIT }).toMatch(/401 refused.*\/openai\/deployments\/chat-gpt-35-turbo\/chat\/completions.*alice@example\.com.*cause: the JWKS at http:\/\/127\.0\.0\.1:\d+\/\.well-known\/jwks\.json answered HTTP 503/s);
    expect(await page.locator('table.timeline tr[data-source="console"]', { hasText: 'scenario jwks-503 on for 60 s' }).count()).toBe(1);

    await page.getByLabel('Outcome').selectOption('refused');
    await page.getByLabel('User').selectOption('alice@example.com');
    await expect.poll(() => row.count(), { timeout: WAIT }).toBe(1);
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'timeline');
    await page.getByLabel('User').selectOption('bob@example.com');
    await expect.poll(() => page.locator('table.timeline tr', { hasText: 'answered HTTP 503' }).count(), { timeout: WAIT }).toBe(0);

    await view('Faults and time');
    await page.getByRole('button', { name: 'Switch off' }).click();
    await expect.poll(() => page.locator('.controls').textContent(), { timeout: WAIT }).toContain('None in force.');
  });

  it('loaded nothing from elsewhere, under a CSP, and threw nothing', async () => {
    const origin = new URL(sandbox.consoleUrl!).origin;
    expect(requested.filter((url) => !url.startsWith(origin))).toEqual([]);
    const response = await fetch(sandbox.consoleUrl!);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(pageErrors).toEqual([]);
  });
});

describe.skipIf(Boolean(unavailable))(`the web console under a control token${unavailable ? ` — skipped: ${unavailable}` : ''}`, () => {
  let sandbox: StartedSandbox;
  let browser: TrustingBrowser;
  beforeAll(async () => {
    sandbox = await startSandbox(undefined, { stateDir: privateStateDir('console-token'), consolePort: 0, controlToken: 'console-test-token' });
    browser = await launchTrustingChromium(sandbox.caFile);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await sandbox?.stop();
  });

  it('asks for the token in a labelled form, stays there for a wrong one, and opens the console for the right one', async () => {
    const context = await browser.browser.newContext();
    const page = await context.newPage();
    await page.goto(sandbox.consoleUrl!);
    const field = page.getByLabel(/The sandbox's control token/);
    await field.fill('not-the-token');
    await field.press('Enter');
    await expect.poll(() => page.getByRole('alert').textContent(), { timeout: WAIT }).toBe('That is not the control token.');
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByLabel(/The sandbox's control token/).fill('console-test-token');
    await page.getByRole('button', { name: 'Open the console' }).click();
    await page.locator('html[data-matrix-drawn]').waitFor();
    await expect.poll(() => page.locator('tr[data-caller="alice@example.com"] td[data-deployment="chat-gpt-35-turbo"]').getAttribute('data-verdict'), { timeout: WAIT }).toBe('allowed');
    // The cookie is the page's alone: scripts on it cannot read it.
    expect(await page.evaluate(() => (globalThis as unknown as { document: { cookie: string } }).document.cookie)).toBe('');
    await context.close();
  });
});
