/**
 * mock-core's storage API against the rules read in Core's source (docs/dial-core.md#storage): buckets,
 * resources, listings, files, ETags, sharing, moves, subscriptions, attachments, and what survives a restart.
 */
import { existsSync, readdirSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startSandbox, type StartedSandbox } from '../sandbox/start-sandbox.ts';
import { privateStateDir } from './support/sandbox-helpers.ts';

const CONVERSATION = { id: 'c1', folderId: 'conversations/x', name: 'Hello', prompt: '', temperature: 1, model: { id: 'gpt-4' }, selectedAddons: [], messages: [] };
const PROMPT = { id: 'p1', folderId: 'prompts/x', name: 'Greeting', content: 'Say hello' };

interface Caller {
  token: string;
  bucket: string;
  call(method: string, path: string, init?: { body?: string | Buffer; headers?: Record<string, string> }): Promise<Response>;
}

async function callerOf(sandbox: StartedSandbox, email: string): Promise<Caller> {
  const token = await sandbox.token(email);
  const call = (method: string, path: string, init: { body?: string | Buffer; headers?: Record<string, string> } = {}) =>
    fetch(`${sandbox.coreUrl}${path}`, { method, body: init.body, headers: { authorization: `Bearer ${token}`, ...init.headers } });
  const { bucket } = (await (await call('GET', '/v1/bucket')).json()) as { bucket: string };
  return { token, bucket, call };
}

/** A request with its path exactly as written (no client-side resolution of "." and ".."). */
function rawRequest(base: string, method: string, path: string, token: string, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(base);
    const req = http.request({ host: hostname, port, method, path, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const json = (value: unknown) => ({ body: JSON.stringify(value), headers: { 'content-type': 'application/json' } });

function multipart(content: string, contentType = 'text/plain', filename = 'ignored.txt'): { body: Buffer; headers: Record<string, string> } {
  const boundary = 'sandbox-boundary-42';
  const body = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="attachment"; filename="${filename}"\r\nContent-Type: ${contentType}\r\n\r\n${content}\r\n--${boundary}--\r\n`);
  return { body, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

describe('the storage API', () => {
  const stateDir = privateStateDir('storage');
  let sandbox: StartedSandbox;
  let alice: Caller;
  let bob: Caller;
  beforeAll(async () => {
    sandbox = await startSandbox(undefined, { stateDir });
    [alice, bob] = await Promise.all([callerOf(sandbox, 'alice@example.com'), callerOf(sandbox, 'bob@example.com')]);
  });
  afterAll(() => sandbox?.stop());

  it('gives each user a bucket of their own, alphanumeric and the same on every call', async () => {
    expect(alice.bucket).toMatch(/^[a-zA-Z0-9]+$/);
    expect(bob.bucket).not.toBe(alice.bucket);
    expect(((await (await alice.call('GET', '/v1/bucket')).json()) as { bucket: string }).bucket).toBe(alice.bucket);
  });

  it('stores a conversation and gives it back as put, with the MD5 ETag; PUT answers its metadata', async () => {
    const put = await alice.call('PUT', `/v1/conversations/${alice.bucket}/folder/Hello%20world`, json(CONVERSATION));
    expect(put.status).toBe(200);
    const meta = (await put.json()) as Record<string, unknown>;
    expect(meta).toMatchObject({ name: 'Hello world', parentPath: 'folder', bucket: alice.bucket, url: `conversations/${alice.bucket}/folder/Hello%20world`, nodeType: 'ITEM', resourceType: 'CONVERSATION' });
    expect(meta.etag).toBe(put.headers.get('etag'));
    expect(put.headers.get('access-control-expose-headers')).toBe('etag');
    const get = await alice.call('GET', `/v1/conversations/${alice.bucket}/folder/Hello%20world`);
    expect(get.status).toBe(200);
    expect(get.headers.get('content-type')).toBeNull();
    expect(await get.text()).toBe(JSON.stringify(CONVERSATION));
    expect(get.headers.get('etag')).toMatch(/^[0-9a-f]{32}$/);
  });

  it('keeps every user to their own bucket, for every kind of resource (Core\'s 403 words)', async () => {
    await alice.call('PUT', `/v1/prompts/${alice.bucket}/greeting`, json(PROMPT));
    await alice.call('PUT', `/v1/files/${alice.bucket}/notes.txt`, multipart('secret'));
    await alice.call('PUT', `/v1/applications/${alice.bucket}/my-app`, json({ endpoint: 'http://127.0.0.1:1/chat', display_name: 'Mine' }));
    for (const path of [`conversations/${alice.bucket}/folder/Hello%20world`, `prompts/${alice.bucket}/greeting`, `files/${alice.bucket}/notes.txt`, `applications/${alice.bucket}/my-app`]) {
      const read = await bob.call('GET', `/v1/${path}`);
      expect([read.status, await read.text()]).toEqual([403, `You don't have an access to: ${path}`]);
      expect((await bob.call('DELETE', `/v1/${path}`)).status).toBe(403);
    }
    expect((await bob.call('PUT', `/v1/conversations/${alice.bucket}/mine`, json(CONVERSATION))).status).toBe(403);
    expect((await bob.call('GET', `/v1/metadata/conversations/${alice.bucket}/`)).status).toBe(403);
    expect((await alice.call('GET', `/v1/prompts/${alice.bucket}/greeting`)).status).toBe(200);
  });

  it('lists a folder as Core does: the root always, a missing folder 404, recursive flat, pages with nextToken', async () => {
    const root = await bob.call('GET', `/v1/metadata/conversations/${bob.bucket}/`);
    expect(root.status).toBe(200);
    expect(await root.json()).toEqual({ name: null, parentPath: null, bucket: bob.bucket, url: `conversations/${bob.bucket}/`, nodeType: 'FOLDER', resourceType: 'CONVERSATION', items: [] });
    const missing = await bob.call('GET', `/v1/metadata/conversations/${bob.bucket}/nowhere/`);
    expect([missing.status, await missing.text()]).toEqual([404, `Not found: conversations/${bob.bucket}/nowhere/`]);

    for (const name of ['a', 'b', 'c']) await bob.call('PUT', `/v1/conversations/${bob.bucket}/${name}`, json(CONVERSATION));
    await bob.call('PUT', `/v1/conversations/${bob.bucket}/sub/d`, json(CONVERSATION));
    const shallow = (await (await bob.call('GET', `/v1/metadata/conversations/${bob.bucket}/`)).json()) as { items: { name: string; nodeType: string; etag?: string }[] };
    expect(shallow.items.map((i) => `${i.nodeType}:${i.name}`)).toEqual(['ITEM:a', 'ITEM:b', 'ITEM:c', 'FOLDER:sub']);
    expect(shallow.items[0]).not.toHaveProperty('etag');
    const deep = (await (await bob.call('GET', `/v1/metadata/conversations/${bob.bucket}/?limit=1000&recursive=true`)).json()) as { items: { url: string; parentPath: string | null }[] };
    expect(deep.items.map((i) => i.url)).toEqual(['a', 'b', 'c', 'sub/d'].map((p) => `conversations/${bob.bucket}/${p}`));
    expect(deep.items[3]!.parentPath).toBe('sub');

    const first = (await (await bob.call('GET', `/v1/metadata/conversations/${bob.bucket}/?limit=2&recursive=true`)).json()) as { items: { name: string }[]; nextToken?: string };
    expect(first.items.map((i) => i.name)).toEqual(['a', 'b']);
    const second = (await (await bob.call('GET', `/v1/metadata/conversations/${bob.bucket}/?limit=2&recursive=true&token=${first.nextToken}`)).json()) as { items: { name: string }[]; nextToken?: string };
    expect(second.items.map((i) => i.name)).toEqual(['c', 'd']);
    expect(second).not.toHaveProperty('nextToken');

    const bad = await bob.call('GET', `/v1/metadata/conversations/${bob.bucket}/?limit=1001`);
    expect([bad.status, await bad.text()]).toEqual([400, 'Bad query parameters. Limit must be in [0, 1000] range. Recursive must be true/false']);
  });

  it('applies If-Match and If-None-Match as Core 0.25: 412 on writes, 304 on reads', async () => {
    const url = `/v1/prompts/${bob.bucket}/etag-test`;
    const created = await bob.call('PUT', url, { ...json(PROMPT), headers: { ...json(PROMPT).headers, 'if-none-match': '*' } });
    const etag = created.headers.get('etag')!;
    const again = await bob.call('PUT', url, { ...json(PROMPT), headers: { ...json(PROMPT).headers, 'if-none-match': '*' } });
    expect([again.status, await again.text()]).toEqual([412, 'Resource already exists']);
    const stale = await bob.call('PUT', url, { ...json({ ...PROMPT, content: 'new' }), headers: { 'content-type': 'application/json', 'if-match': '"0000"' } });
    expect([stale.status, await stale.text()]).toEqual([412, `If-match condition is failed for etag: ${etag}`]);
    const fresh = await bob.call('PUT', url, { ...json({ ...PROMPT, content: 'new' }), headers: { 'content-type': 'application/json', 'if-match': `"${etag}"` } });
    expect(fresh.status).toBe(200);
    const notModified = await bob.call('GET', url, { headers: { 'if-none-match': fresh.headers.get('etag')! } });
    expect([notModified.status, notModified.headers.get('etag')]).toEqual([304, fresh.headers.get('etag')]);
    const deleteStale = await bob.call('DELETE', url, { headers: { 'if-match': etag } });
    expect(deleteStale.status).toBe(412);
    // A condition on something that is not there is not checked: the DELETE is a plain 404.
    const gone = await bob.call('DELETE', `/v1/prompts/${bob.bucket}/never`, { headers: { 'if-match': etag } });
    expect([gone.status, await gone.text()]).toEqual([404, `Not found: prompts/${bob.bucket}/never`]);
  });

  it('refuses bad URLs, bodies and buckets with Core\'s 400s and texts, and stores nothing', async () => {
    const before = readdirSync(join(stateDir, 'core', 'blobs')).length;
    const cases: [string, string, number, string][] = [
      ['PUT', `/v1/conversations/${bob.bucket}/a//b`, 400, 'Invalid path provided a//b'],
      ['PUT', `/v1/conversations/${bob.bucket}/a%2Fb`, 400, 'Invalid path provided a%2Fb'],
      ['PUT', `/v1/conversations/${bob.bucket}/a%7Bb%7D`, 400, 'Invalid path provided a%7Bb%7D'],
      ['PUT', `/v1/conversations/${bob.bucket}/name.`, 400, 'Resource name and/or parent folders must not end with .(dot)'],
      ['PUT', `/v1/conversations/${bob.bucket}/${'x'.repeat(900)}`, 400, 'Resource path exceeds max allowed size: 900'],
      ['PUT', `/v1/conversations/${bob.bucket}/folder/`, 400, `Folder not allowed: conversations/${bob.bucket}/folder/`],
      ['GET', '/v1/conversations/NotABucket1/x', 400, 'Url has invalid bucket: conversations/NotABucket1/x'],
    ];
    for (const [method, path, status, text] of cases) {
      const answer = await bob.call(method, path, method === 'PUT' ? json(CONVERSATION) : {});
      expect([path, answer.status, await answer.text()]).toEqual([path, status, text]);
    }
    // ".." is a name like any to Core's path rules, and ends in a dot: no PUT may make it; a GET finds nothing.
    // (fetch would resolve the dots itself: these requests are written as sent.)
    const escape = `/v1/conversations/${bob.bucket}/../../../../escape`;
    const stateFiles = readdirSync(stateDir);
    const dots = await rawRequest(sandbox.coreUrl!, 'PUT', escape, bob.token, JSON.stringify(CONVERSATION));
    expect(dots).toEqual({ status: 400, body: 'Resource name and/or parent folders must not end with .(dot)' });
    expect(await rawRequest(sandbox.coreUrl!, 'GET', escape, bob.token)).toEqual({ status: 404, body: `Not found: conversations/${bob.bucket}/../../../../escape` });
    expect(readdirSync(stateDir)).toEqual(stateFiles);
    expect(existsSync(join(stateDir, '..', 'escape'))).toBe(false);
    const notConversation = await bob.call('PUT', `/v1/conversations/${bob.bucket}/bad`, json({ name: 'no id' }));
    expect([notConversation.status, await notConversation.text()]).toEqual([400, "Missing required property 'id'"]);
    const wrongType = await bob.call('PUT', `/v1/conversations/${bob.bucket}/bad`, json({ ...CONVERSATION, messages: 'x' }));
    expect([wrongType.status, await wrongType.text()]).toEqual([400, "Missing required property 'messages'"]);
    expect(readdirSync(join(stateDir, 'core', 'blobs')).length).toBe(before);
  });

  it('stores an uploaded file with the part\'s Content-Type, serves it back, and deletes it', async () => {
    const upload = await bob.call('PUT', `/v1/files/${bob.bucket}/docs/report.csv`, multipart('a,b\n1,2\n', 'text/csv'));
    expect(upload.status).toBe(200);
    expect(await upload.json()).toMatchObject({ name: 'report.csv', parentPath: 'docs', resourceType: 'FILE', contentLength: 8, contentType: 'text/csv' });
    const download = await bob.call('GET', `/v1/files/${bob.bucket}/docs/report.csv`);
    expect([download.status, download.headers.get('content-type'), await download.text()]).toEqual([200, 'text/csv', 'a,b\n1,2\n']);
    const listing = (await (await bob.call('GET', `/v1/metadata/files/${bob.bucket}/docs/`)).json()) as { items: Record<string, unknown>[] };
    expect(listing.items).toEqual([expect.objectContaining({ name: 'report.csv', contentLength: 8, contentType: 'text/csv' })]);
    const notMultipart = await bob.call('PUT', `/v1/files/${bob.bucket}/x.txt`, json({}));
    expect([notMultipart.status, await notMultipart.text()]).toEqual([400, 'Request must have a valid content-type header to decode a multipart request']);
    expect((await bob.call('DELETE', `/v1/files/${bob.bucket}/docs/report.csv`)).status).toBe(200);
    const gone = await bob.call('GET', `/v1/files/${bob.bucket}/docs/report.csv`);
    expect([gone.status, await gone.text()]).toEqual([404, '']);
  });

  it('shares through an invitation: bob cannot read alice\'s conversation before accepting, and can after', async () => {
    const url = `conversations/${alice.bucket}/shared/Plan`;
    await alice.call('PUT', `/v1/${url}`, json(CONVERSATION));
    expect((await bob.call('GET', `/v1/${url}`)).status).toBe(403);
    const create = await alice.call('POST', '/v1/ops/resource/share/create', json({ invitationType: 'link', resources: [{ url }] }));
    expect(create.status).toBe(200);
    const { invitationLink } = (await create.json()) as { invitationLink: string };
    expect(invitationLink).toMatch(/^\/v1\/invitations\/[a-zA-Z0-9]+$/);
    const invitation = (await (await bob.call('GET', invitationLink)).json()) as { resources: unknown[] };
    expect(invitation.resources).toEqual([{ url, permissions: ['READ'] }]);
    expect((await bob.call('GET', `/v1/${url}`)).status).toBe(403);

    expect((await bob.call('GET', `${invitationLink}?accept=true`)).status).toBe(200);
    expect((await bob.call('GET', `/v1/${url}`)).status).toBe(200);
    expect((await bob.call('PUT', `/v1/${url}`, json(CONVERSATION))).status).toBe(403);
    const withMe = (await (await bob.call('POST', '/v1/ops/resource/share/list', json({ resourceTypes: ['CONVERSATION'], with: 'me' }))).json()) as { resources: { url: string; permissions: string[] }[] };
    expect(withMe.resources).toEqual([expect.objectContaining({ url, nodeType: 'ITEM', permissions: ['READ'] })]);
    const byMe = (await (await alice.call('POST', '/v1/ops/resource/share/list', json({ resourceTypes: ['CONVERSATION'], with: 'others' }))).json()) as { resources: { url: string }[] };
    expect(byMe.resources.map((r) => r.url)).toEqual([url]);

    const own = await alice.call('GET', `${invitationLink}?accept=true`);
    expect([own.status, await own.text()]).toEqual([400, `Resource ${url} already belong to you`]);
    const notHers = await bob.call('POST', '/v1/ops/resource/share/create', json({ resources: [{ url }] }));
    expect([notHers.status, await notHers.text()]).toEqual([400, `Resource ${url} does not belong to the user`]);

    expect((await alice.call('POST', '/v1/ops/resource/share/revoke', json({ resources: [{ url }] }))).status).toBe(200);
    expect((await bob.call('GET', `/v1/${url}`)).status).toBe(403);
  });

  it('moves a resource, refusing an existing destination without overwrite (Core\'s 400s)', async () => {
    const from = `prompts/${bob.bucket}/move-me`;
    const to = `prompts/${bob.bucket}/moved/here`;
    await bob.call('PUT', `/v1/${from}`, json(PROMPT));
    expect((await bob.call('POST', '/v1/ops/resource/move', json({ sourceUrl: from, destinationUrl: to }))).status).toBe(200);
    expect((await bob.call('GET', `/v1/${from}`)).status).toBe(404);
    expect(await (await bob.call('GET', `/v1/${to}`)).json()).toEqual(PROMPT);
    const missing = await bob.call('POST', '/v1/ops/resource/move', json({ sourceUrl: from, destinationUrl: to }));
    expect([missing.status, await missing.text()]).toEqual([400, `Source resource ${from} does not exist`]);
    await bob.call('PUT', `/v1/${from}`, json(PROMPT));
    const exists = await bob.call('POST', '/v1/ops/resource/move', json({ sourceUrl: from, destinationUrl: to }));
    expect([exists.status, await exists.text()]).toEqual([400, `Can't move resource ${from} to ${to}, because destination resource already exists`]);
    expect((await bob.call('POST', '/v1/ops/resource/move', json({ sourceUrl: from, destinationUrl: to, overwrite: true }))).status).toBe(200);
    // A bucket name far longer than any real one (bodies may be 64 MiB): refused at once, not decoded for seconds.
    const long = `prompts/${'a'.repeat(300_000)}/x`;
    const refused = await bob.call('POST', '/v1/ops/resource/move', json({ sourceUrl: long, destinationUrl: to }));
    expect([refused.status, await refused.text()]).toEqual([400, `Url has invalid bucket: ${long}`]);
    const foreign = await bob.call('POST', '/v1/ops/resource/move', json({ sourceUrl: to, destinationUrl: `prompts/${alice.bucket}/stolen` }));
    expect([foreign.status, await foreign.text()]).toEqual([403, 'no write access to destination resource']);
  });

  it('sends a server-sent event when a subscribed resource changes, and stops when the client leaves', async () => {
    const url = `conversations/${bob.bucket}/watched`;
    const controller = new AbortController();
    const answer = await fetch(`${sandbox.coreUrl}/v1/ops/resource/subscribe`, { method: 'POST', signal: controller.signal, ...json({ resources: [{ url }] }), headers: { authorization: `Bearer ${bob.token}`, 'content-type': 'application/json' } });
    expect([answer.status, answer.headers.get('content-type')]).toEqual([200, 'text/event-stream']);
    const reader = answer.body!.getReader();
    const put = await bob.call('PUT', `/v1/${url}`, json(CONVERSATION));
    let text = '';
    while (!text.includes('\n\n')) text += new TextDecoder().decode((await reader.read()).value);
    const event = JSON.parse(text.replace(/^data: /, '').trim()) as Record<string, unknown>;
    expect(event).toMatchObject({ url, action: 'CREATE', etag: put.headers.get('etag') });
    expect(typeof event.timestamp).toBe('number');
    controller.abort();
    const forbidden = await alice.call('POST', '/v1/ops/resource/subscribe', json({ resources: [{ url }] }));
    expect([forbidden.status, await forbidden.text()]).toEqual([403, `resource is not allowed: ${url}`]);
  });

  it('refuses a chat completion that attaches a file the caller may not read, before the model is called', async () => {
    await alice.call('PUT', `/v1/files/${alice.bucket}/private.txt`, multipart('alice only'));
    const ask = (caller: Caller) =>
      caller.call('POST', '/openai/deployments/gpt-4/chat/completions', json({ messages: [{ role: 'user', content: 'summarise', custom_content: { attachments: [{ type: 'text/plain', title: 'private.txt', url: `files/${alice.bucket}/private.txt` }] } }] }));
    const calls = sandbox.models.requests('gpt-4').length;
    const refused = await ask(bob);
    expect([refused.status, await refused.text()]).toEqual([403, `Access denied to the file files/${alice.bucket}/private.txt`]);
    expect(sandbox.models.requests('gpt-4').length).toBe(calls);
    expect((await ask(alice)).status).toBe(200);
  });
});

describe('the storage API across a restart and a reset', () => {
  it('keeps resources and shares when the sandbox restarts, and forgets them on reset', async () => {
    const stateDir = privateStateDir('storage-restart');
    let sandbox = await startSandbox(undefined, { stateDir });
    let alice = await callerOf(sandbox, 'alice@example.com');
    let bob = await callerOf(sandbox, 'bob@example.com');
    const bucket = alice.bucket;
    const url = `conversations/${bucket}/kept`;
    await alice.call('PUT', `/v1/${url}`, json(CONVERSATION));
    const { invitationLink } = (await (await alice.call('POST', '/v1/ops/resource/share/create', json({ resources: [{ url }] }))).json()) as { invitationLink: string };
    await bob.call('GET', `${invitationLink}?accept=true`);
    await sandbox.stop();

    sandbox = await startSandbox(undefined, { stateDir });
    try {
      alice = await callerOf(sandbox, 'alice@example.com');
      bob = await callerOf(sandbox, 'bob@example.com');
      expect(alice.bucket).toBe(bucket);
      expect(await (await alice.call('GET', `/v1/${url}`)).json()).toEqual(CONVERSATION);
      expect((await bob.call('GET', `/v1/${url}`)).status).toBe(200);
      const reset = await fetch(`${sandbox.coreUrl}/__control/reset`, { method: 'POST' });
      expect(await reset.json()).toEqual({ resources: 1 });
      expect((await alice.call('GET', `/v1/${url}`)).status).toBe(404);
      expect((await bob.call('GET', `/v1/${url}`)).status).toBe(403);
    } finally {
      await sandbox.stop();
    }
    expect(existsSync(join(stateDir, 'core', 'shares.json'))).toBe(true);
  });
});
