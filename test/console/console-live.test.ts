/**
 * What the console changes and what it streams: Management API answers passed through as Auth0 gave them
 * (and what it says when it has no Management client, or the IdP refuses it a token), the timeline's event
 * stream (a backlog, then batches; the services' logs listened to only while someone watches), and "try it"
 * (a real login and a real call through mock-core, streamed line by line).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';

import { DEFAULT_ENVIRONMENT } from '../../common/environment-folder.ts';
import { loadEnvironment } from '../../sandbox/environment.ts';
import { startSandbox, type StartedSandbox } from '../../sandbox/index.ts';
import { chatStatus, privateStateDir } from '../support/sandbox-helpers.ts';
import { consoleCall, openEvents, tutorialVariant, type EventStream } from './console-client.ts';

const CHAT = 'chat-gpt-35-turbo';
/** The console's change watcher compares every 500 ms; a flush of the timeline every 100 ms. */
const WATCH = { timeout: 5_000 };

describe('Management API calls, passed through', () => {
  let sandbox: StartedSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox(undefined, { stateDir: privateStateDir('console-management'), consolePort: 0 });
  });
  afterAll(() => sandbox?.stop());

  /** The same call straight at the Management API, with a token of the tutorial's ci-runner. */
  async function managementDirectly(method: string, path: string, body: unknown) {
    const granted = await fetch(`${sandbox.idpUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials', client_id: 'ci-runner', client_secret: 'ci-runner-secret', audience: `${sandbox.issuer}api/v2/` }),
    });
    const { access_token } = (await granted.json()) as { access_token: string };
    const response = await fetch(`${sandbox.idpUrl}/api/v2/${path}`, { method, headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, body: await response.json() };
  }

  it("answers an Auth0 4xx with Auth0's own status and body, and changes nothing", async () => {
    const before = sandbox.idp.directory.version;
    for (const [fields, expected] of [[{ email: 'not-an-email', password: 'Passw0rd-1' }, 400], [{ email: 'alice@example.com', password: 'Passw0rd-1' }, 409], [{ email: 'nopassword@example.com' }, 400]] as const) {
      const answer = await consoleCall(sandbox.consoleUrl!, 'POST', '/api/users', fields);
      const direct = await managementDirectly('POST', 'users', { connection: 'Username-Password-Authentication', ...fields });
      expect(direct.status).toBe(expected);
      expect({ status: answer.status, body: answer.body.body }).toEqual(direct);
      expect(answer.body.call).toMatch(new RegExp(`^POST /api/v2/users .* → ${expected}$`));
    }
    expect(sandbox.idp.directory.version).toBe(before);
  });

  it('answers a role assignment to nobody with the Management API\'s 404, and a role that is not one with its 400', async () => {
    const missing = await consoleCall(sandbox.consoleUrl!, 'POST', '/api/users/auth0%7Cnobody/roles', { roles: ['rol_nobody'] });
    expect(missing.status).toBe(404);
    expect(missing.body.body).toMatchObject({ statusCode: 404 });
    const alice = sandbox.idp.accounts.byEmail('alice@example.com')!;
    const notRoles = await consoleCall(sandbox.consoleUrl!, 'POST', `/api/users/${encodeURIComponent(alice.user_id)}/roles`, { roles: 'rol_x' });
    expect(notRoles.status).toBe(400);
    expect(notRoles.body.body).toMatchObject({ statusCode: 400 });
  });
});

describe('a tenant with no Management API client grant', () => {
  let sandbox: StartedSandbox;
  beforeAll(async () => {
    const tutorial = loadEnvironment(DEFAULT_ENVIRONMENT);
    const tenant = { ...tutorial.tenant, client_grants: tutorial.tenant.client_grants.filter((grant) => !grant.audience.includes('/api/v2/')) };
    sandbox = await startSandbox({ ...tutorial, tenant }, { stateDir: privateStateDir('console-read-only'), consolePort: 0 });
  });
  afterAll(() => sandbox?.stop());

  it('shows the directory read-only, saying why, and answers a change 409 no_management_client without making it', async () => {
    const directory = await consoleCall(sandbox.consoleUrl!, 'GET', '/api/directory');
    expect(directory.status).toBe(200);
    expect(directory.body.users.map((u: { email: string }) => u.email)).toEqual(['alice@example.com', 'bob@example.com']);
    expect(directory.body.management).toEqual({ readOnly: expect.stringMatching(/^No application of tenant\.yaml may use the Management API with the scopes the console needs \(read:users, .*\): add a client grant/) });

    const before = sandbox.idp.directory.version;
    const created = await consoleCall(sandbox.consoleUrl!, 'POST', '/api/users', { email: 'carol@example.com', password: 'Passw0rd-1' });
    expect(created.status).toBe(409);
    expect(created.body).toEqual({ error: 'no_management_client', message: directory.body.management.readOnly });
    expect(sandbox.idp.directory.version).toBe(before);
    // The rest of the console does not need the Management API.
    expect((await consoleCall(sandbox.consoleUrl!, 'GET', '/api/matrix')).status).toBe(200);
  });
});

describe('a change while the IdP refuses the console its Management API token (token-500)', () => {
  let sandbox: StartedSandbox;
  beforeAll(async () => {
    // A sandbox of its own: the console keeps its token once it has one, and none may be held yet.
    sandbox = await startSandbox(undefined, { stateDir: privateStateDir('console-token-500'), consolePort: 0 });
  });
  afterAll(() => sandbox?.stop());

  it('says why, naming the scenario in force, changes nothing, and gets its token once the scenario is off', async () => {
    expect((await consoleCall(sandbox.consoleUrl!, 'PUT', '/api/scenario', { name: 'token-500' })).status).toBe(200);
    const before = sandbox.idp.directory.version;
    const refused = await consoleCall(sandbox.consoleUrl!, 'POST', '/api/users', { email: 'carol@example.com', password: 'Passw0rd-1' });
    expect(refused.status).toBe(502);
    expect(refused.body).toEqual({
      error: 'management_token_refused',
      message: "The IdP refused the console's own token for the Management API (ci-runner): HTTP 500 server_error Internal Server Error; the scenario token-500 is in force.",
    });
    expect(sandbox.idp.directory.version).toBe(before);

    expect((await consoleCall(sandbox.consoleUrl!, 'DELETE', '/api/scenario')).status).toBe(200);
    const created = await consoleCall(sandbox.consoleUrl!, 'POST', '/api/users', { email: 'carol@example.com', password: 'Passw0rd-1' });
    expect(created.status).toBe(201);
    expect(sandbox.idp.accounts.byEmail('carol@example.com')).toBeDefined();
  });
});

/** How many listeners a subscribe-style method has live: its calls counted up, their unsubscribes down. */
function liveSubscriptions<T extends object, K extends keyof T>(target: T, method: K): () => number {
  let live = 0;
  const original = (target[method] as (...args: unknown[]) => () => unknown).bind(target);
  vi.spyOn(target, method as never).mockImplementation(((...args: unknown[]) => {
    const unsubscribe = original(...args);
    live++;
    let done = false;
    return () => {
      if (!done) live--;
      done = true;
      return unsubscribe();
    };
  }) as never);
  return () => live;
}

describe('the timeline, streamed', () => {
  let sandbox: StartedSandbox;
  const streams: EventStream[] = [];
  beforeAll(async () => {
    sandbox = await startSandbox(undefined, { stateDir: privateStateDir('console-feed'), consolePort: 0 });
  });
  afterAll(async () => {
    for (const stream of streams) stream.close();
    await sandbox?.stop();
  });
  const watch = async () => {
    const stream = await openEvents(sandbox.consoleUrl!);
    streams.push(stream);
    expect(stream.status).toBe(200);
    return stream;
  };
  const eventsOf = (stream: EventStream) => stream.events.filter((e) => e.event === 'events').flatMap((e) => e.data.events as { source: string; status?: number; title: string; user?: string; detail: Record<string, unknown> }[]);

  it('sends the backlog first, then a Core call as a core event with its status, user and rule', async () => {
    const token = await sandbox.token('alice@example.com'); // in the backlog: the IdP's log has it
    const stream = await watch();
    await expect.poll(() => stream.events[0]?.event, WATCH).toBe('backlog');
    expect(stream.events[0]!.data.events).toContainEqual(expect.objectContaining({ source: 'idp', status: 200, user: 'alice@example.com', title: '/oauth/token password' }));

    expect(await chatStatus(sandbox.coreUrl!, token)).toBe(200);
    const path = `/openai/deployments/${CHAT}/chat/completions`;
    await expect.poll(() => eventsOf(stream).find((e) => e.source === 'core'), WATCH).toMatchObject({
      status: 200, title: `POST ${path}`, user: 'alice@example.com', detail: { rule: `${CHAT}: userRoles ["auth0-role-name"] has the caller's "auth0-role-name"` },
    });
    // …and what the stub model received of it.
    await expect.poll(() => eventsOf(stream).find((e) => e.source === 'models'), WATCH).toMatchObject({ title: expect.stringMatching(/^gpt-35-turbo: POST /) });
  });

  it('says "changed" with ["directory"] after a Management API write, after the console\'s own note of it', async () => {
    const stream = await watch();
    await expect.poll(() => stream.events.length, WATCH).toBeGreaterThan(0);
    expect((await consoleCall(sandbox.consoleUrl!, 'POST', '/api/users', { email: 'dave@example.com', password: 'Passw0rd-1' })).status).toBe(201);
    await expect.poll(() => stream.events.find((e) => e.event === 'changed')?.data, WATCH).toEqual(['directory']);
    expect(eventsOf(stream)).toContainEqual(expect.objectContaining({ source: 'console', title: 'user dave@example.com created' }));
  });
});

describe("the console's view of Core's config", () => {
  let sandbox: StartedSandbox;
  let dir: string;
  beforeAll(async () => {
    dir = tutorialVariant('config-changes', {});
    sandbox = await startSandbox(dir, { stateDir: privateStateDir('console-config'), consolePort: 0 });
  });
  afterAll(() => sandbox?.stop());

  it('says "changed" for the config only when its files changed, not at every reload, and the matrix then shows the new userRoles', async () => {
    const stream = await openEvents(sandbox.consoleUrl!);
    onTestFinished(() => stream.close());
    await expect.poll(() => stream.events.length, WATCH).toBeGreaterThan(0);
    const changes = () => stream.events.filter((e) => e.event === 'changed').map((e) => e.data as string[]);
    // A reload of the same files (Core's every config.reload ms) makes a new object, and is no change.
    expect(sandbox.core!.config.reload()).toBe(true);
    expect((await consoleCall(sandbox.consoleUrl!, 'POST', '/api/users', { email: 'erin@example.com', password: 'Passw0rd-1' })).status).toBe(201);
    await expect.poll(changes, WATCH).toEqual([['directory']]);

    const file = join(dir, 'core', 'aidial.config.json');
    const config = JSON.parse(readFileSync(file, 'utf8'));
    config.models['gpt-4'].userRoles = ['auth0-role-name'];
    writeFileSync(file, JSON.stringify(config, null, 2));
    expect(sandbox.core!.config.reload()).toBe(true);
    await expect.poll(changes, WATCH).toEqual([['directory'], ['config']]);
    const matrix = (await consoleCall(sandbox.consoleUrl!, 'GET', '/api/matrix')).body as { columns: { name: string; userRoles?: string[] }[] };
    expect(matrix.columns.find((c) => c.name === 'gpt-4')!.userRoles).toEqual(['auth0-role-name']);
  });
});

describe("the timeline's listeners", () => {
  // A sandbox of its own: no stream was ever opened on it, so the feed subscribes when this test watches.
  let sandbox: StartedSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox(undefined, { stateDir: privateStateDir('console-feed-listeners'), consolePort: 0 });
  });
  afterAll(() => sandbox?.stop());
  const eventsOf = (stream: EventStream) => stream.events.filter((e) => e.event === 'events').flatMap((e) => e.data.events as { source: string; status?: number }[]);

  it('listens to the three logs once however many watch, and not at all once the last one goes', async () => {
    const live = {
      idp: liveSubscriptions(sandbox.idp.requestLog, 'subscribe'),
      core: liveSubscriptions(sandbox.core!.log, 'subscribe'),
      models: liveSubscriptions(sandbox.models, 'onRequest'),
    };
    const count = () => ({ idp: live.idp(), core: live.core(), models: live.models() });
    expect(count()).toEqual({ idp: 0, core: 0, models: 0 });

    const first = await openEvents(sandbox.consoleUrl!);
    const second = await openEvents(sandbox.consoleUrl!);
    onTestFinished(() => [first, second].forEach((stream) => stream.close()));
    await expect.poll(() => [first, second].every((s) => s.events.length > 0), WATCH).toBe(true);
    expect(count()).toEqual({ idp: 1, core: 1, models: 1 });

    first.close();
    const token = await sandbox.token('bob@example.com');
    expect(await chatStatus(sandbox.coreUrl!, token, 'gpt-4')).toBe(200);
    // The one still watching still gets the calls.
    await expect.poll(() => eventsOf(second).some((e) => e.source === 'core' && e.status === 200), WATCH).toBe(true);
    expect(count()).toEqual({ idp: 1, core: 1, models: 1 });

    second.close();
    await expect.poll(count, WATCH).toEqual({ idp: 0, core: 0, models: 0 });
  });
});

describe('try it', () => {
  let sandbox: StartedSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox(undefined, { stateDir: privateStateDir('console-try'), consolePort: 0 });
  });
  afterAll(() => sandbox?.stop());

  const tryIt = async (body: Record<string, unknown>) => {
    const answer = await consoleCall(sandbox.consoleUrl!, 'POST', '/api/try', body);
    const lines = answer.status === 200 ? (answer.body as string).split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, any>) : [];
    return { ...answer, lines };
  };

  it('streams a prompt as alice: the login, Core\'s 200, the answer in deltas, the headers Core added on the way, done', async () => {
    const prompt = 'hello from the console test';
    const answer = await tryIt({ user: 'alice@example.com', deployment: CHAT, prompt });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const kinds = answer.lines.map((l) => l.kind);
    expect(kinds.join(' ')).toMatch(/^login answer (delta )+forwarded done$/);
    expect(answer.lines[0]).toEqual({ kind: 'login', how: 'password grant at /oauth/token as dial-chat' });
    expect(answer.lines[1]).toMatchObject({ kind: 'answer', status: 200 });
    // The stub echoes the prompt.
    expect(answer.lines.filter((l) => l.kind === 'delta').map((l) => l.text).join('')).toBe(prompt);
    const forwarded = answer.lines.find((l) => l.kind === 'forwarded')!;
    expect(forwarded.path).toMatch(/\/gpt-35-turbo\/chat\/completions$/);
    // Core's per-request key, the upstream (the tutorial's, at the stubs' port) and its key; the caller's token is not passed on.
    expect(forwarded.added).toEqual({ 'api-key': expect.stringMatching(/^\S{8,}$/), 'x-upstream-endpoint': `http://localhost:${new URL(sandbox.modelsUrl).port}`, 'x-upstream-key': 'modelKey1' });
    // A real call, in Core's log.
    expect(sandbox.core!.log.entries().at(-1)).toMatchObject({ status: 200, path: `/openai/deployments/${CHAT}/chat/completions` });
  });

  it("streams bob's refusal: Core's 403 with its reason and the rule, and nothing forwarded", async () => {
    const answer = await tryIt({ user: 'bob@example.com', deployment: CHAT, prompt: 'hi' });
    expect(answer.lines.map((l) => l.kind)).toEqual(['login', 'answer', 'error', 'forwarded', 'done']);
    expect(answer.lines[2]).toMatchObject({ kind: 'error', status: 403, reason: `Forbidden deployment: ${CHAT}`, rule: `${CHAT}: userRoles ["auth0-role-name"] has none of the caller's roles []` });
    expect(answer.lines[3]).toMatchObject({ kind: 'forwarded', missing: expect.any(String) });
  });

  it('tries an API key on the embedding model: Api-Key, and the embedding\'s size', async () => {
    const answer = await tryIt({ key: 'ci-api-key', deployment: 'text-embedding-3-small', prompt: 'embed me' });
    expect(answer.lines[0]).toEqual({ kind: 'login', how: 'Api-Key header' });
    expect(answer.lines[1]).toMatchObject({ kind: 'answer', status: 200 });
    expect(answer.lines[2]).toMatchObject({ kind: 'delta', text: expect.stringMatching(/^an embedding of [1-9]\d* numbers$/) });
  });

  it.each([
    ['both a user and a key', { user: 'alice@example.com', key: 'ci-api-key', deployment: CHAT, prompt: 'hi' }],
    ['neither a user nor a key', { deployment: CHAT, prompt: 'hi' }],
    ['an unknown deployment', { user: 'alice@example.com', deployment: 'gpt-5', prompt: 'hi' }],
    ['an empty prompt', { user: 'alice@example.com', deployment: CHAT, prompt: '  ' }],
    ['a prompt too long', { user: 'alice@example.com', deployment: CHAT, prompt: 'x'.repeat(4_001) }],
    ['an unknown user', { user: 'carol@example.com', deployment: CHAT, prompt: 'hi' }],
    ['an unknown API key', { key: 'no-such-key', deployment: CHAT, prompt: 'hi' }],
  ])('answers %s 400, and sends nothing to the IdP or Core', async (_case, body) => {
    const [core, idp] = [sandbox.core!.log.entries().length, sandbox.idp.requestLog.entries().length];
    const answer = await tryIt(body);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: 'bad_request', message: expect.any(String) });
    expect(sandbox.core!.log.entries().length).toBe(core);
    expect(sandbox.idp.requestLog.entries().length).toBe(idp);
  });
});
