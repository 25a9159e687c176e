/**
 * DIAL Chat against mock-core, call for call: what Chat's server sends to Core from a user's first page load
 * to a second conversation and a reload, with each answer checked for what Chat reads of it
 * (docs/dial-chat.md#first-load-storage; the calls of Chat 0.20's source, where no newer Chat was found to
 * differ). alice and bob run it side by side: their buckets stay apart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startSandbox, type StartedSandbox } from '../sandbox/start-sandbox.ts';
import { privateStateDir } from './support/sandbox-helpers.ts';

const API_VERSION = '2023-12-01-preview';
const MODEL = 'gpt-4';
const FIRST = `${MODEL}__New%20conversation%201`;
const RENAMED = `${MODEL}__Describe%20this`;
const BOUNDARY = '----ChatFormBoundary7MA4YWxkTrZu0gW';

/** Chat's server as one signed-in user: it calls Core with the user's access token. */
class ChatServer {
  bucket = '';
  readonly core: string;
  readonly token: string;

  constructor(core: string, token: string) {
    this.core = core;
    this.token = token;
  }

  call(method: string, path: string, init: { body?: string | Buffer; headers?: Record<string, string> } = {}): Promise<Response> {
    return fetch(`${this.core}${path}`, { method, body: init.body, headers: { authorization: `Bearer ${this.token}`, ...init.headers } });
  }

  putJson(path: string, value: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return this.call('PUT', path, { body: JSON.stringify(value), headers: { 'content-type': 'application/json', ...headers } });
  }

  /** Chat's file upload: the browser's form, one part named `attachment`. */
  upload(path: string, name: string, type: string, content: Buffer | string, headers: Record<string, string> = {}): Promise<Response> {
    const body = Buffer.concat([
      Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="attachment"; filename="${name}"\r\nContent-Type: ${type}\r\n\r\n`),
      Buffer.from(content),
      Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
    ]);
    return this.call('PUT', path, { body, headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, ...headers } });
  }

  /** Chat's listing route: a 404 is an empty list, only ITEM nodes are kept, nextToken is not followed. */
  async listing(type: 'conversations' | 'prompts', recursive = true): Promise<{ name: string; url: string; nodeType: string; parentPath: string | null }[]> {
    const answer = await this.call('GET', `/v1/metadata/${type}/${this.bucket}/?limit=1000&recursive=${recursive}`);
    if (answer.status === 404) return [];
    expect(answer.status).toBe(200);
    const folder = (await answer.json()) as { items: { name: string; url: string; nodeType: string; parentPath: string | null }[] };
    return folder.items.filter((item) => item.nodeType === 'ITEM');
  }

  /** The deployment listings Chat loads (and loads again before a completion, to find the model). */
  async deployments(): Promise<{ id: string; reference: string; capabilities?: { chat_completion?: boolean } }[]> {
    const answers = await Promise.all(['models', 'applications', 'assistants', 'addons'].map((kind) => this.call('GET', `/openai/${kind}?api-version=${API_VERSION}`)));
    for (const answer of answers) expect(answer.status).toBe(200);
    const [models] = (await Promise.all(answers.map((a) => a.json()))) as { data: { id: string; reference: string; capabilities?: { chat_completion?: boolean } }[] }[];
    return models!.data;
  }

  /** What Chat stores for a conversation (Chat 0.20's shape). */
  conversation(name: string, messages: unknown[] = []): Record<string, unknown> {
    return { id: `conversations/${this.bucket}/${MODEL}__${name}`, name, model: { id: MODEL }, prompt: '', temperature: 1, folderId: `conversations/${this.bucket}`, messages, selectedAddons: [], assistantModelId: MODEL, lastActivityDate: Date.now() };
  }
}

/** Page load: bucket first, then the init calls Chat starts together. */
async function firstLoad(chat: ChatServer): Promise<void> {
  const bucket = await chat.call('GET', '/v1/bucket');
  expect(bucket.status).toBe(200);
  chat.bucket = ((await bucket.json()) as { bucket: string }).bucket;
  expect(chat.bucket).toMatch(/^[a-zA-Z0-9]+$/);
  const models = await chat.deployments();
  expect(models.find((m) => m.id === MODEL)).toMatchObject({ reference: MODEL, capabilities: { chat_completion: true } });
}

/** Installed deployments: a 404 whose reason phrase is "Not Found" makes Chat write the default list. */
async function installedDeployments(chat: ChatServer): Promise<unknown> {
  const path = `/v1/files/${chat.bucket}/clientdata/installed_deployments.json`;
  const existing = await chat.call('GET', path);
  if (existing.status === 200) return existing.json();
  expect([existing.status, existing.statusText]).toEqual([404, 'Not Found']);
  const written = await chat.upload(path, 'installed_deployments.json', 'application/json', JSON.stringify([{ id: MODEL }]));
  expect(written.status).toBe(200);
  expect(await written.json()).toMatchObject({ name: 'installed_deployments.json', parentPath: 'clientdata', bucket: chat.bucket, url: `files/${chat.bucket}/clientdata/installed_deployments.json`, contentType: 'application/json' });
  return (await chat.call('GET', path)).json();
}

/** "New conversation 1": created only if absent (Chat retries with the next name on a 412). */
async function newConversation(chat: ChatServer): Promise<void> {
  const created = await chat.putJson(`/v1/conversations/${chat.bucket}/${FIRST}`, chat.conversation('New conversation 1'), { 'if-none-match': '*' });
  expect(created.status).toBe(200);
  expect(await created.json()).toMatchObject({ name: `${MODEL}__New conversation 1`, url: `conversations/${chat.bucket}/${FIRST}`, nodeType: 'ITEM', resourceType: 'CONVERSATION', updatedAt: expect.any(Number) });
}

describe('DIAL Chat (STORAGE_TYPE=api) against mock-core, call for call', () => {
  const stateDir = privateStateDir('chat-shaped');
  let sandbox: StartedSandbox;
  let alice: ChatServer;
  let bob: ChatServer;
  beforeAll(async () => {
    sandbox = await startSandbox(undefined, { stateDir });
    alice = new ChatServer(sandbox.coreUrl!, await sandbox.token('alice@example.com'));
    bob = new ChatServer(sandbox.coreUrl!, await sandbox.token('bob@example.com'));
  });
  afterAll(() => sandbox?.stop());

  it('loads the first page: bucket, deployments, empty listings, default installed deployments, the first conversation', async () => {
    for (const chat of [alice, bob]) {
      await firstLoad(chat);
      expect(await chat.listing('conversations')).toEqual([]);
      expect(await chat.listing('prompts')).toEqual([]);
      expect(await installedDeployments(chat)).toEqual([{ id: MODEL }]);
      expect(await chat.listing('conversations', false)).toEqual([]);
      await newConversation(chat);
      const again = await chat.putJson(`/v1/conversations/${chat.bucket}/${FIRST}`, chat.conversation('New conversation 1'), { 'if-none-match': '*' });
      expect([again.status, await again.text()]).toEqual([412, 'Resource already exists']);
      expect((await chat.listing('conversations')).map((c) => c.url)).toEqual([`conversations/${chat.bucket}/${FIRST}`]);
    }
    expect(alice.bucket).not.toBe(bob.bucket);
  });

  it('sends a message with an attached picture: upload, rename, completion streamed, conversation saved', async () => {
    const files = await alice.call('GET', `/v1/metadata/files/${alice.bucket}/?limit=1000&recursive=false`);
    expect(((await files.json()) as { items: { name: string; nodeType: string }[] }).items).toEqual([expect.objectContaining({ name: 'clientdata', nodeType: 'FOLDER' })]);
    const picture = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    const uploaded = await alice.upload(`/v1/files/${alice.bucket}/cat.png`, 'cat.png', 'image/png', picture, { 'if-none-match': '*' });
    expect(uploaded.status).toBe(200);
    expect(await uploaded.json()).toMatchObject({ url: `files/${alice.bucket}/cat.png`, name: 'cat.png', parentPath: null, contentLength: picture.length, contentType: 'image/png' });
    expect((await alice.upload(`/v1/files/${alice.bucket}/cat.png`, 'cat.png', 'image/png', picture, { 'if-none-match': '*' })).status).toBe(412);

    const attachment = { type: 'image/png', title: 'cat.png', url: `files/${alice.bucket}/cat.png` };
    const question = { role: 'user', content: 'Describe this', custom_content: { attachments: [attachment] }, model: { id: MODEL } };
    // The first message renames the conversation: a new key, then the old one deleted.
    expect((await alice.putJson(`/v1/conversations/${alice.bucket}/${RENAMED}`, alice.conversation('Describe this', [question, { role: 'assistant', content: '', model: { id: MODEL } }]), { 'if-none-match': '*' })).status).toBe(200);
    expect((await alice.call('DELETE', `/v1/conversations/${alice.bucket}/${FIRST}`)).status).toBe(200);

    await alice.deployments();
    const completion = await alice.call('POST', `/openai/deployments/${MODEL}/chat/completions?api-version=${API_VERSION}`, {
      body: JSON.stringify({ messages: [{ role: 'user', content: 'Describe this', custom_content: { attachments: [attachment] } }], temperature: 1, stream: true, model: MODEL }),
      headers: { 'content-type': 'application/json', 'x-conversation-id': encodeURIComponent(`conversations/${alice.bucket}/${MODEL}__Describe this`) },
    });
    expect(completion.status).toBe(200);
    expect(completion.headers.get('content-type')).toContain('text/event-stream');
    const stream = await completion.text();
    expect(stream).toMatch(/^data: \{.*"choices"/);
    expect(stream.trimEnd().endsWith('data: [DONE]')).toBe(true);
    const answer = [...stream.matchAll(/"content":"([^"]*)"/g)].map((m) => m[1]).join('');
    const saved = await alice.putJson(`/v1/conversations/${alice.bucket}/${RENAMED}`, alice.conversation('Describe this', [question, { role: 'assistant', content: answer, model: { id: MODEL } }]));
    expect(saved.status).toBe(200);

    // bob cannot pass alice's picture to a model, nor read her conversation.
    const borrowed = await bob.call('POST', `/openai/deployments/${MODEL}/chat/completions?api-version=${API_VERSION}`, { body: JSON.stringify({ messages: [{ role: 'user', content: 'Describe this', custom_content: { attachments: [attachment] } }] }), headers: { 'content-type': 'application/json' } });
    expect([borrowed.status, await borrowed.text()]).toEqual([403, `Access denied to the file files/${alice.bucket}/cat.png`]);
    expect((await bob.call('GET', `/v1/conversations/${alice.bucket}/${RENAMED}`)).status).toBe(403);
  });

  it('starts a second conversation: installed deployments found, "New conversation 1" free again', async () => {
    await alice.deployments();
    expect(await installedDeployments(alice)).toEqual([{ id: MODEL }]);
    await newConversation(alice);
    expect((await alice.listing('conversations')).map((c) => c.name).sort()).toEqual([`${MODEL}__Describe this`, `${MODEL}__New conversation 1`]);
    expect((await bob.listing('conversations')).map((c) => c.name)).toEqual([`${MODEL}__New conversation 1`]);
  });

  it('survives a reload, and a restart of the sandbox: the same bucket, listings and conversations', async () => {
    await sandbox.stop();
    sandbox = await startSandbox(undefined, { stateDir });
    alice = new ChatServer(sandbox.coreUrl!, await sandbox.token('alice@example.com'));
    const before = (await alice.call('GET', '/v1/bucket').then((r) => r.json())) as { bucket: string };
    await firstLoad(alice);
    expect(alice.bucket).toBe(before.bucket);
    expect((await alice.listing('conversations')).length).toBe(2);
    expect(await installedDeployments(alice)).toEqual([{ id: MODEL }]);
    // The conversation last selected, fetched again; its messages are there as saved.
    const selected = await alice.call('GET', `/v1/conversations/${alice.bucket}/${RENAMED}`);
    expect(selected.status).toBe(200);
    const stored = (await selected.json()) as { messages: { role: string; content: string }[] };
    expect(stored.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(stored.messages[1]!.content).not.toBe('');
    // One that is gone: Chat logs and skips it.
    expect((await alice.call('GET', `/v1/conversations/${alice.bucket}/${MODEL}__gone`)).status).toBe(404);
  });
});
