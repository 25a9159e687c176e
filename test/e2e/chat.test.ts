import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { browserUnavailable, launchTrustingChromium, type TrustingBrowser } from '../support/chromium.ts';
import { COMPOSE_TARGET, EXTERNAL, startTarget, TARGET_NAME, targetUnavailable, type Target } from './target.ts';

// The tutorial's promise, seen in the real DIAL Chat: alice logs in through the IdP's login page, Chat
// offers her the tutorial's model and her message gets the stub model's answer; bob is offered no such
// model. Chat runs in the compose targets, and on the external one when SANDBOX_CHAT_URL names it.
const unavailable = browserUnavailable()
  ?? (await targetUnavailable())
  ?? (COMPOSE_TARGET || (TARGET_NAME === 'external' && EXTERNAL.chatUrl) ? undefined
    : TARGET_NAME === 'external' ? 'SANDBOX_CHAT_URL does not name a DIAL Chat for the external target'
      : `the ${TARGET_NAME} target runs no DIAL Chat (compose, compose-lite, or external with SANDBOX_CHAT_URL do)`);
if (unavailable) console.warn(`[e2e] DIAL Chat test skipped: ${unavailable}`);

/** The tutorial's model (userRoles: the role alice has), and the one open to every user (Chat's DEFAULT_MODEL). */
const TUTORIAL_MODEL = 'chat-gpt-35-turbo';
const OPEN_MODEL = 'gpt-4';
const OPEN_MODEL_ANSWER = 'Hello from the stub gpt-4.';

describe.skipIf(Boolean(unavailable))(`the real DIAL Chat (${TARGET_NAME} target)${unavailable ? ` — skipped: ${unavailable}` : ''}`, () => {
  let target: Target;
  let browser: TrustingBrowser;
  beforeAll(async () => {
    target = await startTarget();
    browser = await launchTrustingChromium(target.chat!.caFile);
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await target?.stop();
  });

  /** Logs `email` into Chat as a user would: Chat's sign-in button, then the user's button on the IdP's login page. */
  async function logIn(email: string): Promise<Page> {
    const chat = target.chat!.url;
    const page = await (await browser.browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
    page.setDefaultTimeout(60_000);
    await page.goto(chat);
    // next-auth's own page when Chat offers more than one way in; with one provider Chat may go straight on.
    if (new URL(page.url()).pathname.startsWith('/api/auth/signin')) await page.locator('form button[type=submit]').first().click();
    await page.getByRole('button', { name: new RegExp(`<${email.replace(/[.]/g, '\\.')}>`) }).click();
    await page.waitForURL((url) => url.href.startsWith(chat) && !url.pathname.startsWith('/api/auth'));
    // Chat has loaded once its message box is there.
    await page.locator('[data-qa="chat-textarea"]').waitFor();
    return page;
  }

  /** What Chat offers the user: its /api/models, the list its model picker shows (Chat asks Core with the user's token). */
  const offered = async (page: Page) => (await page.evaluate("fetch('/api/models').then((r) => r.json()).then((models) => models.map((m) => m.id))")) as string[];

  it('offers alice the tutorial\'s model, and her message gets the stub model\'s answer', async () => {
    const page = await logIn('alice@example.com');
    expect(await offered(page)).toEqual(expect.arrayContaining([TUTORIAL_MODEL, OPEN_MODEL]));

    await page.locator('[data-qa="chat-textarea"]').fill('Hello from alice');
    await page.locator('[data-qa="chat-textarea"]').press('Enter');
    // Her message, then the model's answer (a new conversation is on DEFAULT_MODEL, the open gpt-4 stub).
    const messages = page.locator('[data-qa="chat-message"]');
    await expect.poll(async () => (await messages.allInnerTexts()).map((text) => text.trim()), { timeout: 60_000 }).toEqual([
      expect.stringContaining('Hello from alice'),
      expect.stringContaining(OPEN_MODEL_ANSWER),
    ]);
    await page.context().close();
  });

  it('offers bob, who lacks the role, no tutorial model', async () => {
    const page = await logIn('bob@example.com');
    const models = await offered(page);
    expect(models).toContain(OPEN_MODEL);
    expect(models).not.toContain(TUTORIAL_MODEL);
    await page.context().close();
  });
});
