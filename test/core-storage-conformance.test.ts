import { createHash } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Core } from '../mock-core/core.ts';
import { startCoreWith } from './support/core-alone.ts';
import { makeKey, signToken, startJwksServer, type JwksServer } from './support/jwks-server.ts';

/**
 * The storage API's rules, one row each: a request, and Core's answer (status, body, Content-Type, and the
 * headers that matter), with the anchor of docs/dial-core.md where the rule and its public source are written
 * down. Rules read only in Core's source, not seen on a running Core.
 */

/**
 * Bucket names Core's EncryptionService gives under the settings below (PBKDF2WithHmacSHA256, 3000 rounds,
 * AES/CBC/PKCS5Padding with Core's fixed IV, Base58), worked out with Java 17's own JCE, not with mock-core:
 * docs/dial-core.md#bucket-encryption.
 */
const ENCRYPTION = { secret: 'sandbox-encryption-secret', key: 'sandbox-encryption-key' };
const A = 'CQQSoBFuspTy9sabC8yZFLVuyY5SrERauxaGibUTUqh9'; // Users/auth0|alice/
const B = '7NEq8gXEzUoUmtiH2EUikq3y5aYvob4zV9KoeUuzgmdi'; // Users/auth0|bob/
const K = 'JYYkRusAeV39522YZLZJPi'; // Keys/p/

/** Conversations must read as Core's Conversation record (docs/dial-core.md#resource-crud). */
const CONVERSATION = JSON.stringify({ id: 'c1', folderId: 'f', name: 'Hello', prompt: '', temperature: 1, model: { id: 'm' }, selectedAddons: [], messages: [] });
/** `resources.maxSize`: at least the 1024 bytes Core assumes of a body without Content-Length (see the 413 row). */
const MAX_SIZE = 2000;
const TTL_SECONDS = 60;

interface Request {
  path: string;
  method?: string;
  headers?: Record<string, string>;
  /** A string goes as JSON; a Buffer as it is, without Content-Type; `chunked` without Content-Length. */
  body?: string | Buffer;
  chunked?: boolean;
  /** The mock-core to ask (the one with `access.admin.rules: []`); the main one when absent. */
  core?: () => Core;
}

async function send(base: Core, request: Request) {
  const { path, method = 'GET', headers = {}, body, chunked } = request;
  const core = request.core?.() ?? base;
  const init: RequestInit & { duplex?: 'half' } = { method, headers: { ...(typeof body === 'string' && { 'content-type': 'application/json' }), ...headers } };
  if (chunked && body !== undefined) {
    const bytes = Buffer.from(body);
    init.body = new ReadableStream({
      start(controller) {
        controller.enqueue(bytes);
        controller.close();
      },
    });
    init.duplex = 'half';
  } else if (body !== undefined) init.body = body;
  const response = await fetch(`${core.url}${path}`, init);
  return { status: response.status, body: await response.text(), contentType: response.headers.get('content-type'), headers: response.headers };
}

/** A multipart/form-data body of these parts, in order. */
function multipart(parts: { headers: string[]; content: string }[]): { body: Buffer; headers: Record<string, string> } {
  const boundary = 'conformance-boundary-7';
  const text = parts.map((part) => `--${boundary}\r\n${part.headers.join('\r\n')}\r\n\r\n${part.content}\r\n`).join('') + `--${boundary}--\r\n`;
  return { body: Buffer.from(text), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}
const filePart = (content: string, contentType?: string) => ({
  headers: ['Content-Disposition: form-data; name="attachment"; filename="ignored.bin"', ...(contentType ? [`Content-Type: ${contentType}`] : [])],
  content,
});

describe('mock-core storage conformance table', () => {
  let jwks: JwksServer;
  let core: Core;
  let everyoneAdmin: Core;
  const key = makeKey('k');
  const exp = Math.floor(Date.now() / 1000) + 600;
  const as = (sub: string, roles: string[] = []) => ({ authorization: `Bearer ${signToken(key, { sub: `auth0|${sub}`, dial_roles: roles, exp })}` });
  const alice = as('alice');
  const bob = as('bob');
  const apiKey = { 'api-key': 'key-p' };
  const hello = 'hello';
  const etagOf = (text: string) => createHash('md5').update(text).digest('hex');
  /** What beforeAll made: an invitation of alice's. */
  const made = { invitation: '' };

  beforeAll(async () => {
    jwks = await startJwksServer([key]);
    const settings = {
      identityProviders: { auth0: { jwksUrl: jwks.url, rolePath: 'dial_roles' } },
      encryption: ENCRYPTION,
      resources: { maxSize: MAX_SIZE, heartbeatPeriod: 100 },
      invitations: { ttlInSeconds: TTL_SECONDS },
    };
    const config = {
      models: { m: { type: 'chat', endpoint: 'http://127.0.0.1:1/chat' } },
      keys: { 'key-p': { project: 'p', role: 'r' } },
      roles: { r: {} },
    };
    [core, everyoneAdmin] = await Promise.all([startCoreWith(settings, config), startCoreWith({ ...settings, access: { admin: { rules: [] } } }, config)]);
    const put = async (target: Core, path: string, body: string | Buffer, headers: Record<string, string> = alice) => {
      const answer = await send(target, { path, method: 'PUT', headers, body });
      if (answer.status !== 200) throw new Error(`PUT ${path}: ${answer.status} ${answer.body}`);
    };
    const file = multipart([filePart(hello, 'text/plain')]);
    await Promise.all([
      put(core, `/v1/conversations/${A}/c1`, CONVERSATION),
      put(core, `/v1/conversations/${A}/kept`, CONVERSATION),
      put(core, `/v1/conversations/${A}/to-delete`, CONVERSATION),
      put(core, `/v1/files/${A}/dir/a.txt`, file.body, { ...alice, ...file.headers }),
      put(core, `/v1/files/${A}/dir/b.txt`, file.body, { ...alice, ...file.headers }),
      put(core, `/v1/files/${A}/move-me.txt`, file.body, { ...alice, ...file.headers }),
      put(everyoneAdmin, `/v1/conversations/${A}/c1`, CONVERSATION),
    ]);
    const share = await send(core, { path: '/v1/ops/resource/share/create', method: 'POST', headers: alice, body: JSON.stringify({ invitationType: 'link', resources: [{ url: `conversations/${A}/c1` }] }) });
    made.invitation = (JSON.parse(share.body) as { invitationLink: string }).invitationLink.split('/').pop()!;
  });
  afterAll(async () => {
    await Promise.all([core?.stop(), everyoneAdmin?.stop(), jwks?.stop()]);
  });

  type Row = [section: string, rule: string, request: () => Request, status: number, body: string | RegExp | (() => string), contentType: string | null, headers?: Record<string, string | null | (() => string)>];
  const post = (path: string, body: unknown, headers: Record<string, string> = alice): Request => ({ path, method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const move = (body: unknown, headers?: Record<string, string>) => post('/v1/ops/resource/move', body, headers);
  const subscribe = (body: unknown, headers?: Record<string, string>) => post('/v1/ops/resource/subscribe', body, headers);
  const share = (op: string, body: unknown, headers?: Record<string, string>) => post(`/v1/ops/resource/share/${op}`, body, headers);
  const name = (bytes: number) => 'n'.repeat(bytes);
  /** The storage key is `Users/auth0|alice/` (18 bytes) + `conversations/` (14) + the name. */
  const KEY_PREFIX = 'Users/auth0|alice/conversations/'.length;
  const CONVERSATION_META = new RegExp(`^\\{"name":"c1","parentPath":null,"bucket":"${A}","url":"conversations/${A}/c1","nodeType":"ITEM","resourceType":"CONVERSATION","createdAt":\\d+,"updatedAt":\\d+,"etag":"${etagOf(CONVERSATION)}"\\}$`);

  const rows: Row[] = [
    // Buckets.
    ['docs/dial-core.md#bucket-encryption', "a user's bucket: Core's encryption of Users/<sub>/", () => ({ path: '/v1/bucket', headers: alice }), 200, `{"bucket":"${A}"}`, 'application/json'],
    ['docs/dial-core.md#bucket-encryption', 'another sub, another bucket', () => ({ path: '/v1/bucket', headers: bob }), 200, `{"bucket":"${B}"}`, 'application/json'],
    ['docs/dial-core.md#bucket-answer', "an API key's bucket: Keys/<project>/", () => ({ path: '/v1/bucket', headers: apiKey }), 200, `{"bucket":"${K}"}`, 'application/json'],
    ['docs/dial-core.md#bucket-answer', 'the same name on every call', () => ({ path: '/v1/bucket', headers: as('alice', ['x']) }), 200, `{"bucket":"${A}"}`, 'application/json'],

    // URLs refused before any access check.
    ['docs/dial-core.md#resource-paths', 'a URL of less than two segments', () => move({ sourceUrl: 'files', destinationUrl: `files/${A}/x` }), 400, 'Url has less than two segments: files', null],
    ['docs/dial-core.md#resource-paths', 'type/bucket without the trailing slash', () => move({ sourceUrl: `files/${A}`, destinationUrl: `files/${A}/x` }), 400, `Url must start with resource/bucket/, but: files/${A}`, null],
    ['docs/dial-core.md#resource-paths', 'a bucket that does not decrypt', () => ({ path: '/v1/conversations/abc/x', headers: alice }), 400, 'Url has invalid bucket: conversations/abc/x', null],
    ['docs/dial-core.md#resource-paths', 'an empty segment', () => ({ path: `/v1/conversations/${A}/a//b`, headers: alice }), 400, 'Invalid path provided a//b', null],
    ['docs/dial-core.md#resource-paths', 'an encoded slash in a name', () => ({ path: `/v1/files/${A}/a%2Fb`, headers: alice }), 400, 'Invalid path provided a%2Fb', null],
    ['docs/dial-core.md#resource-paths', 'braces in a name', () => ({ path: `/v1/conversations/${A}/%7Bx%7D`, headers: alice }), 400, 'Invalid path provided %7Bx%7D', null],
    ['docs/dial-core.md#resource-paths', 'a control character (%01) in a name', () => ({ path: `/v1/conversations/${A}/a%01b`, headers: alice }), 400, 'Invalid path provided a%01b', null],
    ['docs/dial-core.md#resource-paths', 'a storage key of exactly 900 bytes passes', () => ({ path: `/v1/conversations/${A}/${name(900 - KEY_PREFIX)}`, headers: alice }), 404, `Not found: conversations/${A}/${name(900 - KEY_PREFIX)}`, null],
    ['docs/dial-core.md#resource-paths', 'a storage key of 901 bytes', () => ({ path: `/v1/conversations/${A}/${name(901 - KEY_PREFIX)}`, headers: alice }), 400, 'Resource path exceeds max allowed size: 900', null],
    ['docs/dial-core.md#resource-paths', 'PUT of a name ending in a dot', () => ({ path: `/v1/conversations/${A}/name.`, method: 'PUT', headers: alice, body: CONVERSATION }), 400, 'Resource name and/or parent folders must not end with .(dot)', null],
    ['docs/dial-core.md#resource-paths', 'PUT under a folder ending in a dot', () => ({ path: `/v1/conversations/${A}/dir./x`, method: 'PUT', headers: alice, body: CONVERSATION }), 400, 'Resource name and/or parent folders must not end with .(dot)', null],
    ['docs/dial-core.md#resource-paths', 'GET of a name ending in a dot: the dot rule is for PUT only', () => ({ path: `/v1/conversations/${A}/dir./x`, headers: alice }), 404, `Not found: conversations/${A}/dir./x`, null],
    ['docs/dial-core.md#resource-paths', 'a malformed %-escape: the unhandled error, 500 empty', () => ({ path: `/v1/conversations/${A}/a%zz`, headers: alice }), 500, '', null],

    // Who may read and write.
    ['docs/dial-core.md#resource-access', "GET of another user's conversation", () => ({ path: `/v1/conversations/${A}/c1`, headers: bob }), 403, `You don't have an access to: conversations/${A}/c1`, null],
    ['docs/dial-core.md#resource-access', "PUT into another user's bucket", () => ({ path: `/v1/conversations/${A}/bobs`, method: 'PUT', headers: bob, body: CONVERSATION }), 403, `You don't have an access to: conversations/${A}/bobs`, null],
    ['docs/dial-core.md#resource-access', "listing another user's folder", () => ({ path: `/v1/metadata/files/${A}/`, headers: bob }), 403, `You don't have an access to: files/${A}/`, null],
    ['docs/dial-core.md#resource-access', "an API key reading a user's bucket (no claims: never admin)", () => ({ path: `/v1/conversations/${A}/c1`, headers: apiKey }), 403, `You don't have an access to: conversations/${A}/c1`, null],
    ['docs/dial-core.md#resource-access', 'an API key writing its own bucket, Keys/<project>/', () => ({ path: `/v1/conversations/${K}/mine`, method: 'PUT', headers: apiKey, body: CONVERSATION }), 200, new RegExp(`^\\{"name":"mine","parentPath":null,"bucket":"${K}","url":"conversations/${K}/mine",`), 'application/json'],
    ['docs/dial-core.md#resource-access', "the default admin rule: role admin reads anyone's bucket", () => ({ path: `/v1/conversations/${A}/c1`, headers: as('root', ['admin']) }), 200, CONVERSATION, null],
    ['docs/dial-core.md#resource-access', 'CONTAIN is a case-insensitive substring match', () => ({ path: `/v1/conversations/${A}/c1`, headers: as('carol', ['SuperAdmins']) }), 200, CONVERSATION, null],
    ['docs/dial-core.md#resource-access', 'a role not containing "admin"', () => ({ path: `/v1/conversations/${A}/c1`, headers: as('dave', ['adm']) }), 403, `You don't have an access to: conversations/${A}/c1`, null],
    ['docs/dial-core.md#resource-access', 'access.admin.rules []: everyone is admin', () => ({ path: `/v1/conversations/${A}/c1`, headers: bob, core: () => everyoneAdmin }), 200, CONVERSATION, null],
    ['docs/dial-core.md#resource-access', 'access.admin.rules []: API keys too', () => ({ path: `/v1/conversations/${A}/c1`, headers: apiKey, core: () => everyoneAdmin }), 200, CONVERSATION, null],

    // GET, PUT, DELETE of a conversation.
    ['docs/dial-core.md#resource-crud', 'PUT: 200, the item metadata as JSON, the ETag exposed', () => ({ path: `/v1/conversations/${A}/c1`, method: 'PUT', headers: alice, body: CONVERSATION }), 200, CONVERSATION_META, 'application/json', { etag: etagOf(CONVERSATION), 'access-control-expose-headers': 'etag' }],
    ['docs/dial-core.md#resource-crud', 'GET: the body as put, without Content-Type', () => ({ path: `/v1/conversations/${A}/c1`, headers: alice }), 200, CONVERSATION, null, { etag: etagOf(CONVERSATION), 'access-control-expose-headers': 'etag' }],
    ['docs/dial-core.md#resource-crud', 'GET of a missing conversation', () => ({ path: `/v1/conversations/${A}/missing%20one`, headers: alice }), 404, `Not found: conversations/${A}/missing%20one`, null],
    ['docs/dial-core.md#resource-crud', 'GET of a folder', () => ({ path: `/v1/conversations/${A}/dir/`, headers: alice }), 400, `Folder not allowed: conversations/${A}/dir/`, null],
    ['docs/dial-core.md#resource-crud', 'PUT of a folder', () => ({ path: `/v1/prompts/${A}/dir/`, method: 'PUT', headers: alice, body: '{}' }), 400, `Folder not allowed: prompts/${A}/dir/`, null],
    ['docs/dial-core.md#resource-crud', 'a body that is not JSON', () => ({ path: `/v1/conversations/${A}/bad`, method: 'PUT', headers: alice, body: '{"id":' }), 400, 'Provided payload do not match required schema', null],
    ['docs/dial-core.md#resource-crud', 'a required property missing: the first one named (measured on Core 0.25)', () => ({ path: `/v1/prompts/${A}/bad`, method: 'PUT', headers: alice, body: '{"id":"p"}' }), 400, "Missing required property 'folderId'", null],
    ['docs/dial-core.md#resource-crud', 'a property of the wrong kind', () => ({ path: `/v1/conversations/${A}/bad`, method: 'PUT', headers: alice, body: CONVERSATION.replace('"messages":[]', '"messages":"x"') }), 400, "Missing required property 'messages'", null],
    ['docs/dial-core.md#body-limits', 'a body declared over resources.maxSize: refused before it is read', () => ({ path: `/v1/conversations/${A}/big`, method: 'PUT', headers: alice, body: ' '.repeat(MAX_SIZE + 1) }), 413, 'Request body is too large', null],
    ['docs/dial-core.md#body-limits', 'a multipart upload over resources.maxSize: within storage.maxUploadedFileSize', () => ({ path: `/v1/files/${A}/big.txt`, method: 'PUT', ...withBody(multipart([filePart('x'.repeat(MAX_SIZE + 1))]), alice) }), 200, new RegExp(`"contentLength":${MAX_SIZE + 1}`), 'application/json'],
    ['docs/dial-core.md#resource-crud', 'a body over resources.maxSize, sent chunked', () => ({ path: `/v1/conversations/${A}/big`, method: 'PUT', headers: alice, body: ' '.repeat(MAX_SIZE + 1), chunked: true }), 413, `Resource size: ${MAX_SIZE + 1} exceeds max limit: ${MAX_SIZE}`, null],
    ['docs/dial-core.md#resource-crud', 'DELETE of a missing conversation', () => ({ path: `/v1/conversations/${A}/missing`, method: 'DELETE', headers: alice }), 404, `Not found: conversations/${A}/missing`, null],
    ['docs/dial-core.md#resource-crud', 'DELETE: 200, empty', () => ({ path: `/v1/conversations/${A}/to-delete`, method: 'DELETE', headers: alice }), 200, '', null, { 'access-control-expose-headers': null }],

    // Preconditions (0.25).
    ['docs/dial-core.md#resource-etags', 'PUT with If-Match of another tag', () => ({ path: `/v1/conversations/${A}/kept`, method: 'PUT', headers: { ...alice, 'if-match': '"nope"' }, body: CONVERSATION }), 412, `If-match condition is failed for etag: ${etagOf(CONVERSATION)}`, null],
    ['docs/dial-core.md#resource-etags', 'PUT with If-Match of several tags, one current', () => ({ path: `/v1/conversations/${A}/kept`, method: 'PUT', headers: { ...alice, 'if-match': `"x","${etagOf(CONVERSATION)}"` }, body: CONVERSATION }), 200, /"name":"kept"/, 'application/json'],
    ['docs/dial-core.md#resource-etags', 'a space after the comma stays part of the tag (only quotes are stripped)', () => ({ path: `/v1/conversations/${A}/kept`, method: 'PUT', headers: { ...alice, 'if-match': `"x", "${etagOf(CONVERSATION)}"` }, body: CONVERSATION }), 412, `If-match condition is failed for etag: ${etagOf(CONVERSATION)}`, null],
    ['docs/dial-core.md#resource-etags', 'PUT with If-None-Match: * over an existing item', () => ({ path: `/v1/conversations/${A}/kept`, method: 'PUT', headers: { ...alice, 'if-none-match': '*' }, body: CONVERSATION }), 412, 'Resource already exists', null],
    ['docs/dial-core.md#resource-etags', 'PUT with If-None-Match of the current tag', () => ({ path: `/v1/conversations/${A}/kept`, method: 'PUT', headers: { ...alice, 'if-none-match': etagOf(CONVERSATION) }, body: CONVERSATION }), 412, `if-none-match condition is failed for etag: ${etagOf(CONVERSATION)}`, null],
    ['docs/dial-core.md#resource-etags', 'PUT with If-None-Match of another tag: no 400 since 0.25', () => ({ path: `/v1/conversations/${A}/kept`, method: 'PUT', headers: { ...alice, 'if-none-match': 'other' }, body: CONVERSATION }), 200, /"name":"kept"/, 'application/json'],
    ['docs/dial-core.md#resource-etags', 'PUT of a new item: no check', () => ({ path: `/v1/conversations/${A}/new-one`, method: 'PUT', headers: { ...alice, 'if-match': 'nope' }, body: CONVERSATION }), 200, /"name":"new-one"/, 'application/json'],
    ['docs/dial-core.md#resource-etags', 'GET with If-None-Match of the current tag: 304', () => ({ path: `/v1/conversations/${A}/kept`, headers: { ...alice, 'if-none-match': `"${etagOf(CONVERSATION)}"` } }), 304, '', null, { etag: etagOf(CONVERSATION) }],
    ['docs/dial-core.md#resource-etags', 'GET with If-Match of another tag', () => ({ path: `/v1/conversations/${A}/kept`, headers: { ...alice, 'if-match': 'nope' } }), 412, `If-match condition is failed for etag: ${etagOf(CONVERSATION)}`, null],
    ['docs/dial-core.md#resource-etags', 'DELETE with If-Match of another tag', () => ({ path: `/v1/conversations/${A}/kept`, method: 'DELETE', headers: { ...alice, 'if-match': 'nope' } }), 412, `If-match condition is failed for etag: ${etagOf(CONVERSATION)}`, null],

    // Listings.
    ['docs/dial-core.md#resource-access', 'the public bucket, nothing published: its root lists empty for anyone', () => ({ path: '/v1/metadata/conversations/public/', headers: bob }), 200, '{"name":null,"parentPath":null,"bucket":"public","url":"conversations/public/","nodeType":"FOLDER","resourceType":"CONVERSATION","items":[]}', 'application/json'],
    ['docs/dial-core.md#resource-access', 'the public bucket is read-only to all but admins', () => ({ path: '/v1/conversations/public/mine', method: 'PUT', headers: { ...bob, 'content-type': 'application/json' }, body: CONVERSATION }), 403, "You don't have an access to: conversations/public/mine", null],
    ['docs/dial-core.md#metadata-listing', 'a bad limit on conversations', () => ({ path: `/v1/metadata/conversations/${A}/?limit=1001`, headers: alice }), 400, 'Bad query parameters. Limit must be in [0, 1000] range. Recursive must be true/false', null],
    ['docs/dial-core.md#metadata-listing', 'a bad limit on files', () => ({ path: `/v1/metadata/files/${A}/?limit=1001`, headers: alice }), 400, 'Limit is out of allowed range: [0, 1000]', null],
    ['docs/dial-core.md#metadata-listing', 'a missing conversations folder', () => ({ path: `/v1/metadata/conversations/${A}/nope/`, headers: alice }), 404, `Not found: conversations/${A}/nope/`, null],
    ['docs/dial-core.md#metadata-listing', 'a missing files folder: 404, empty', () => ({ path: `/v1/metadata/files/${A}/nope/`, headers: alice }), 404, '', null],
    ['docs/dial-core.md#metadata-listing', 'an empty bucket root: 200, no items, nulls written', () => ({ path: `/v1/metadata/prompts/${A}/`, headers: alice }), 200, `{"name":null,"parentPath":null,"bucket":"${A}","url":"prompts/${A}/","nodeType":"FOLDER","resourceType":"PROMPT","items":[]}`, 'application/json'],
    ['docs/dial-core.md#metadata-listing', 'Accept: application/vnd.dial.metadata+json', () => ({ path: `/v1/metadata/prompts/${A}/`, headers: { ...alice, accept: 'application/vnd.dial.metadata+json' } }), 200, /"items":\[\]/, 'application/vnd.dial.metadata+json'],
    ['docs/dial-core.md#files', 'file listing items: no etag, contentLength and contentType', () => ({ path: `/v1/metadata/files/${A}/dir/?limit=1`, headers: alice }), 200, new RegExp(`^\\{"name":"dir","parentPath":null,"bucket":"${A}","url":"files/${A}/dir/","nodeType":"FOLDER","resourceType":"FILE","items":\\[\\{"name":"a.txt","parentPath":"dir","bucket":"${A}","url":"files/${A}/dir/a.txt","nodeType":"ITEM","resourceType":"FILE","createdAt":\\d+,"updatedAt":\\d+,"contentLength":5,"contentType":"text/plain"\\}\\],"nextToken":"[^"]+"\\}$`), 'application/json'],
    ['docs/dial-core.md#metadata-listing', "one file's metadata: with etag", () => ({ path: `/v1/metadata/files/${A}/dir/a.txt`, headers: alice }), 200, new RegExp(`"url":"files/${A}/dir/a.txt","nodeType":"ITEM","resourceType":"FILE","createdAt":\\d+,"updatedAt":\\d+,"etag":"${etagOf(hello)}","contentLength":5,"contentType":"text/plain"\\}$`), 'application/json'],

    // Files.
    ['docs/dial-core.md#files', 'download: the stored Content-Type, the ETag exposed', () => ({ path: `/v1/files/${A}/dir/a.txt`, headers: alice }), 200, hello, 'text/plain', { etag: etagOf(hello), 'access-control-expose-headers': 'etag', 'content-disposition': null }],
    ['docs/dial-core.md#files', 'download of a missing file: 404, empty', () => ({ path: `/v1/files/${A}/nope.txt`, headers: alice }), 404, '', null],
    ['docs/dial-core.md#files', 'download of a folder', () => ({ path: `/v1/files/${A}/dir/`, headers: alice }), 400, "Can't download a folder", null],
    ['docs/dial-core.md#files', "download of another user's file", () => ({ path: `/v1/files/${A}/dir/a.txt`, headers: bob }), 403, `You don't have an access to: files/${A}/dir/a.txt`, null],
    ['docs/dial-core.md#files', 'DELETE of a missing file (0.25: 404 with the text)', () => ({ path: `/v1/files/${A}/nope.txt`, method: 'DELETE', headers: alice }), 404, `Not found: files/${A}/nope.txt`, null],
    ['docs/dial-core.md#files', 'DELETE of a folder', () => ({ path: `/v1/files/${A}/dir/`, method: 'DELETE', headers: alice }), 400, `Folder not allowed: files/${A}/dir/`, null],
    ['docs/dial-core.md#files', 'DELETE of a file: 200, empty', () => ({ path: `/v1/files/${A}/dir/b.txt`, method: 'DELETE', headers: alice }), 200, '', null],

    // Uploads.
    ['docs/dial-core.md#file-upload', 'a urlencoded form: accepted as a form, and holding no file', () => ({ path: `/v1/files/${A}/x.txt`, method: 'PUT', headers: { ...alice, 'content-type': 'application/x-www-form-urlencoded' }, body: Buffer.from('a=b') }), 400, 'The multipart body has no file part (a part with a filename)', null],
    ['docs/dial-core.md#file-upload', 'no Content-Type', () => ({ path: `/v1/files/${A}/x.txt`, method: 'PUT', headers: alice, body: Buffer.from('x') }), 400, 'Request must have a content-type header to decode a multipart request', null],
    ['docs/dial-core.md#file-upload', 'a Content-Type that is not multipart', () => ({ path: `/v1/files/${A}/x.txt`, method: 'PUT', headers: { ...alice, 'content-type': 'text/plain' }, body: Buffer.from('x') }), 400, 'Request must have a valid content-type header to decode a multipart request', null],
    ['docs/dial-core.md#file-upload', 'a folder URL', () => ({ path: `/v1/files/${A}/dir/`, method: 'PUT', ...withBody(multipart([filePart('x')]), alice) }), 400, 'File name is missing', null],
    ['docs/dial-core.md#file-upload', 'a name ending in a dot', () => ({ path: `/v1/files/${A}/x.`, method: 'PUT', ...withBody(multipart([filePart('x')]), alice) }), 400, 'Resource name and/or parent folders must not end with .(dot)', null],
    ['docs/dial-core.md#file-upload', "into another user's bucket", () => ({ path: `/v1/files/${A}/x.txt`, method: 'PUT', ...withBody(multipart([filePart('x')]), bob) }), 403, `You don't have an access to: files/${A}/x.txt`, null],
    ['docs/dial-core.md#file-upload', "200: FileMetadata, the part's Content-Type, parentPath null at the root", () => ({ path: `/v1/files/${A}/pic.png`, method: 'PUT', ...withBody(multipart([filePart('PNG', 'image/png')]), alice) }), 200, new RegExp(`^\\{"name":"pic.png","parentPath":null,"bucket":"${A}","url":"files/${A}/pic.png","nodeType":"ITEM","resourceType":"FILE","createdAt":\\d+,"updatedAt":\\d+,"etag":"${etagOf('PNG')}","contentLength":3,"contentType":"image/png"\\}$`), 'application/json', { etag: etagOf('PNG'), 'access-control-expose-headers': 'etag' }],
    ['docs/dial-core.md#file-upload', 'If-None-Match: * over an existing file', () => ({ path: `/v1/files/${A}/dir/a.txt`, method: 'PUT', ...withBody(multipart([filePart('x')]), { ...alice, 'if-none-match': '*' }) }), 412, 'Resource already exists', null],

    // Move.
    ['docs/dial-core.md#move', 'a body that is not JSON', () => move('nope'), 400, "Can't initiate move resource request. Incorrect body provided", null],
    ['docs/dial-core.md#resource-paths', "a '?' in a segment of a body's URL", () => move({ sourceUrl: `files/${A}/a?x`, destinationUrl: `files/${A}/b` }), 400, 'Wrong path provided a?x', null],
    ['docs/dial-core.md#move', 'no sourceUrl', () => move({ destinationUrl: `files/${A}/x` }), 400, 'sourceUrl must be provided', null],
    ['docs/dial-core.md#move', 'no destinationUrl', () => move({ sourceUrl: `files/${A}/x` }), 400, 'destinationUrl must be provided', null],
    ['docs/dial-core.md#move', 'different types', () => move({ sourceUrl: `files/${A}/x`, destinationUrl: `prompts/${A}/x` }), 400, 'source and destination resources must be the same type', null],
    ['docs/dial-core.md#move', 'the same URL', () => move({ sourceUrl: `files/${A}/x`, destinationUrl: `files/${A}/x` }), 400, 'source and destination resources cannot be the same', null],
    ['docs/dial-core.md#move', 'a source the caller may not write', () => move({ sourceUrl: `files/${A}/move-me.txt`, destinationUrl: `files/${B}/y` }, bob), 403, 'no read and write access to source resource', null],
    ['docs/dial-core.md#move', 'a destination the caller may not write', () => move({ sourceUrl: `files/${A}/move-me.txt`, destinationUrl: `files/${B}/y` }), 403, 'no write access to destination resource', null],
    ['docs/dial-core.md#move', 'a folder', () => move({ sourceUrl: `files/${A}/dir/`, destinationUrl: `files/${A}/dir2/` }), 400, 'Moving folders is not supported', null],
    ['docs/dial-core.md#move', 'a missing source: 400, not 404', () => move({ sourceUrl: `files/${A}/nope.txt`, destinationUrl: `files/${A}/y` }), 400, `Source resource files/${A}/nope.txt does not exist`, null],
    ['docs/dial-core.md#move', 'an existing destination without overwrite', () => move({ sourceUrl: `files/${A}/move-me.txt`, destinationUrl: `files/${A}/dir/a.txt` }), 400, `Can't move resource files/${A}/move-me.txt to files/${A}/dir/a.txt, because destination resource already exists`, null],
    ['docs/dial-core.md#move', 'a move: 200, empty', () => move({ sourceUrl: `files/${A}/move-me.txt`, destinationUrl: `files/${A}/moved.txt` }), 200, '', null],
    ['docs/dial-core.md#move', 'the source is gone after it', () => ({ path: `/v1/files/${A}/move-me.txt`, headers: alice }), 404, '', null],

    // Subscribe: the refusals (the stream itself is the test below the table).
    ['docs/dial-core.md#subscribe', 'a body that is not JSON', () => subscribe('nope'), 400, 'Invalid body provided', null],
    ['docs/dial-core.md#subscribe', 'an empty list', () => subscribe({ resources: [] }), 400, 'resources list must be provided', null],
    ['docs/dial-core.md#subscribe', 'a folder', () => subscribe({ resources: [{ url: `files/${A}/dir/` }] }), 400, `resource folder is not supported: files/${A}/dir/`, null],
    ['docs/dial-core.md#subscribe', 'a type that has no events', () => subscribe({ resources: [{ url: `publications/${A}/x` }] }), 400, `resource type is not supported: publications/${A}/x`, null],
    ['docs/dial-core.md#subscribe', 'a resource the caller may not read', () => subscribe({ resources: [{ url: `files/${A}/dir/a.txt` }] }, bob), 403, `resource is not allowed: files/${A}/dir/a.txt`, null],

    // Sharing.
    ['docs/dial-core.md#sharing', 'create: a body that is not JSON', () => share('create', 'nope'), 400, "Can't initiate share request. Incorrect body", null],
    ['docs/dial-core.md#sharing', 'create: no resources', () => share('create', { invitationType: 'link', resources: [] }), 400, 'No resources provided', null],
    ['docs/dial-core.md#sharing', "create: another user's resource", () => share('create', { invitationType: 'link', resources: [{ url: `conversations/${B}/x` }] }), 400, `Resource conversations/${B}/x does not belong to the user`, null],
    ['docs/dial-core.md#sharing', 'create: the same URL twice', () => share('create', { invitationType: 'link', resources: [{ url: `conversations/${A}/c1` }, { url: `conversations/${A}/c1` }] }), 400, `Duplicated resource: conversations/${A}/c1`, null],
    ['docs/dial-core.md#sharing', 'create: a link that does not parse', () => share('create', { invitationType: 'link', resources: [{ url: 'files/nope' }] }), 400, 'Incorrect resource link provided files/nope', null],
    ['docs/dial-core.md#sharing', 'create: a public resource', () => share('create', { invitationType: 'link', resources: [{ url: 'files/public/x' }] }), 400, 'Incorrect resource link provided files/public/x', null],
    ['docs/dial-core.md#sharing', 'create: 200, the invitation link', () => share('create', { invitationType: 'link', resources: [{ url: `files/${A}/dir/` }] }), 200, /^\{"invitationLink":"\/v1\/invitations\/[a-zA-Z0-9]+"\}$/, 'application/json'],
    ['docs/dial-core.md#sharing', 'list: a body that is not JSON', () => share('list', 'nope'), 400, "Can't list shared resources. Incorrect body", null],
    ['docs/dial-core.md#sharing', 'list: nothing shared with me', () => share('list', { resourceTypes: ['CONVERSATION', 'FILE'], with: 'me' }, as('erin')), 200, '{"resources":[]}', 'application/json'],
    ['docs/dial-core.md#sharing', 'discard: a body that is not JSON', () => share('discard', 'nope'), 400, "Can't DISCARD shared resources. Incorrect body", null],
    ['docs/dial-core.md#sharing', 'revoke: a body that is not JSON', () => share('revoke', 'nope'), 400, "Can't REVOKE shared resources. Incorrect body", null],
    ['docs/dial-core.md#sharing', "revoke: another user's resource", () => share('revoke', { resources: [{ url: `conversations/${B}/x` }] }), 400, 'You are only allowed to revoke access from own resources', null],
    ['docs/dial-core.md#sharing', 'copy: a body that is not JSON', () => share('copy', 'nope'), 400, "Can't initiate copy shared access request. Incorrect body provided", null],
    ['docs/dial-core.md#sharing', "copy: a source in another user's bucket", () => share('copy', { sourceUrl: `conversations/${B}/x`, destinationUrl: `conversations/${A}/c1` }), 400, 'sourceUrl does not belong to the user', null],
    ['docs/dial-core.md#sharing', 'copy: source and destination the same', () => share('copy', { sourceUrl: `conversations/${A}/c1`, destinationUrl: `conversations/${A}/c1` }), 400, 'source and destination cannot be the same', null],
    ['docs/dial-core.md#sharing', 'copy: a missing source', () => share('copy', { sourceUrl: `conversations/${A}/nope`, destinationUrl: `conversations/${A}/c1` }), 400, `source resource conversations/${A}/nope does not exists`, null],
    ['docs/dial-core.md#sharing', 'copy: a missing destination ("dos", sic)', () => share('copy', { sourceUrl: `conversations/${A}/c1`, destinationUrl: `conversations/${A}/nope` }), 400, `destination resource conversations/${A}/nope dos not exists`, null],

    // Invitations.
    ['docs/dial-core.md#sharing', 'GET of an unknown invitation', () => ({ path: '/v1/invitations/abc', headers: bob }), 404, 'No invitation found for ID abc', null],
    ['docs/dial-core.md#sharing', 'DELETE of an id that does not decrypt: no space before the id', () => ({ path: '/v1/invitations/abc', method: 'DELETE', headers: bob }), 404, 'No invitation found for IDabc', null],
    ['docs/dial-core.md#sharing', "DELETE of another user's invitation", () => ({ path: `/v1/invitations/${made.invitation}`, method: 'DELETE', headers: bob }), 403, 'You are not invitation owner', null],
    ['docs/dial-core.md#sharing', 'accepting your own invitation', () => ({ path: `/v1/invitations/${made.invitation}?accept=true`, headers: alice }), 400, `Resource conversations/${A}/c1 already belong to you`, null],
    ['docs/dial-core.md#sharing', 'anyone may read an invitation', () => ({ path: `/v1/invitations/${made.invitation}`, headers: bob }), 200, () => `^\\{"id":"${made.invitation}","resources":\\[\\{"url":"conversations/${A}/c1","permissions":\\["READ"\\]\\}\\],"createdAt":\\d+,"expireAt":\\d+,"author":null\\}$`, 'application/json'],
    ['docs/dial-core.md#sharing', 'the invitations I made', () => ({ path: '/v1/invitations', headers: as('frank') }), 200, '{"invitations":[]}', 'application/json'],

    // Attachments of a chat completion, checked before the call.
    ['docs/dial-core.md#attachments', "an attachment the caller may not read", () => post('/openai/deployments/m/chat/completions', { messages: [{ role: 'user', content: 'x', custom_content: { attachments: [{ url: `files/${A}/dir/a.txt` }] } }] }, bob), 403, `Access denied to the file files/${A}/dir/a.txt`, null],
    ['docs/dial-core.md#attachments', 'an image_url part the caller may not read', () => post('/openai/deployments/m/chat/completions', { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: `files/${A}/dir/a.txt` } }] }] }, bob), 403, `Access denied to the file files/${A}/dir/a.txt`, null],
    ['docs/dial-core.md#attachments', 'a stage attachment the caller may not read', () => post('/openai/deployments/m/chat/completions', { messages: [{ role: 'assistant', content: 'x', custom_content: { stages: [{ attachments: [{ url: `files/${A}/dir/a.txt` }] }] } }] }, bob), 403, `Access denied to the file files/${A}/dir/a.txt`, null],
    ['docs/dial-core.md#attachments', 'an attachment URL that does not parse: 400, empty', () => post('/openai/deployments/m/chat/completions', { messages: [{ role: 'user', content: 'x', custom_content: { attachments: [{ url: `/v1/files/${A}/dir/a.txt` }] } }] }, bob), 400, '', null],

    // Publications, notifications, rate: what a user with none is answered.
    ['docs/dial-core.md#publications', 'publication list of my bucket', () => post('/v1/ops/publication/list', { url: `publications/${A}/` }), 200, '{"publications":[]}', 'application/json'],
    ['docs/dial-core.md#publications', "publication list of another user's bucket", () => post('/v1/ops/publication/list', { url: `publications/${B}/` }), 403, `Forbidden resource: publications/${B}/`, null],
    ['docs/dial-core.md#publications', 'publications waiting for review (publications/public/): admins only', () => post('/v1/ops/publication/list', { url: 'publications/public/' }), 403, 'Forbidden resource: publications/public/', null],
    ['docs/dial-core.md#publications', "an admin lists another user's publications", () => post('/v1/ops/publication/list', { url: `publications/${B}/` }, as('root', ['admin'])), 200, '{"publications":[]}', 'application/json'],
    ['docs/dial-core.md#publications', 'publication list of a URL that is not a publication', () => post('/v1/ops/publication/list', { url: `files/${A}/` }), 400, `Invalid resource: files/${A}/`, null],
    ['docs/dial-core.md#publications', 'rule list of public/', () => post('/v1/ops/publication/rule/list', { url: 'public/' }), 200, '{"rules":{}}', 'application/json'],
    ['docs/dial-core.md#publications', 'rule list of a URL outside public/', () => post('/v1/ops/publication/rule/list', { url: 'files/x/' }), 400, 'Invalid resource: files/x/', null],
    ['docs/dial-core.md#publications', 'published resources: a bare array', () => post('/v1/ops/publication/resource/list', { resourceTypes: ['CONVERSATION'] }), 200, '[]', 'application/json'],
    ['docs/dial-core.md#publications', 'notification list: the body is not read', () => post('/v1/ops/notification/list', 'not json'), 200, '{"notifications":[]}', 'application/json'],
    ['docs/dial-core.md#publications', 'notification delete of no ids', () => post('/v1/ops/notification/delete', { ids: [] }), 400, 'Notification IDs cannot be empty', null],
    ['docs/dial-core.md#publications', 'notification delete of unknown ids: 200, empty', () => post('/v1/ops/notification/delete', { ids: ['x'] }), 200, '', null],
    ['docs/dial-core.md#publications', 'rate, a deployment without a rate endpoint: 200, empty', () => post('/v1/m/rate', { responseId: 'r', rate: true }), 200, '', null],
  ];

  function withBody(form: { body: Buffer; headers: Record<string, string> }, headers: Record<string, string>) {
    return { body: form.body, headers: { ...headers, ...form.headers } };
  }

  it.each(rows)('%s — %s', async (_section, _rule, request, status, body, contentType, headers = {}) => {
    const answer = await send(core, request());
    expect(answer.status).toBe(status);
    if (typeof body === 'string') expect(answer.body).toBe(body);
    else expect(answer.body).toMatch(typeof body === 'function' ? new RegExp(body()) : body);
    expect(answer.contentType).toBe(contentType);
    expect(answer.headers.get('access-control-allow-origin')).toBe('*');
    for (const [name, value] of Object.entries(headers)) expect(answer.headers.get(name), name).toBe(typeof value === 'function' ? value() : value);
  });

  it('docs/dial-core.md#file-upload — takes the first part with a filename; a part without Content-Type is stored as application/octet-stream', async () => {
    const form = multipart([
      { headers: ['Content-Disposition: form-data; name="note"'], content: 'a field, not a file' },
      { headers: ['Content-Disposition: form-data; name="whatever"; filename="other-name.txt"'], content: 'the first file' },
      filePart('the second file', 'text/plain'),
    ]);
    const upload = await send(core, { path: `/v1/files/${A}/first.bin`, method: 'PUT', ...withBody(form, alice) });
    expect([upload.status, upload.body]).toEqual([200, expect.stringContaining('"contentType":"application/octet-stream"')]);
    const download = await send(core, { path: `/v1/files/${A}/first.bin`, headers: alice });
    expect([download.status, download.body, download.contentType]).toEqual([200, 'the first file', 'application/octet-stream']);
  });

  it('docs/dial-core.md#sharing — an accepted folder share covers what is inside; a share of the bucket root covers nothing below it; expireAt is createdAt + invitations.ttlInSeconds', async () => {
    const file = multipart([filePart('inside', 'text/plain')]);
    await send(core, { path: `/v1/files/${A}/shared/inside.txt`, method: 'PUT', ...withBody(file, alice) });
    await send(core, { path: `/v1/files/${A}/top.txt`, method: 'PUT', ...withBody(file, alice) });
    const carol = as('carol-reader');
    const inviteAndAccept = async (url: string) => {
      const created = await send(core, share('create', { invitationType: 'link', resources: [{ url }] }));
      const id = (JSON.parse(created.body) as { invitationLink: string }).invitationLink.split('/').pop()!;
      const invitation = JSON.parse((await send(core, { path: `/v1/invitations/${id}`, headers: carol })).body) as { createdAt: number; expireAt: number };
      expect(invitation.expireAt - invitation.createdAt).toBe(TTL_SECONDS * 1000);
      expect(await send(core, { path: `/v1/invitations/${id}?accept=true`, headers: carol })).toMatchObject({ status: 200, body: '', contentType: null });
    };
    expect((await send(core, { path: `/v1/files/${A}/shared/inside.txt`, headers: carol })).status).toBe(403);
    await inviteAndAccept(`files/${A}/shared/`);
    expect(await send(core, { path: `/v1/files/${A}/shared/inside.txt`, headers: carol })).toMatchObject({ status: 200, body: 'inside' });
    expect((await send(core, { path: `/v1/files/${A}/top.txt`, headers: carol })).status).toBe(403);
    await inviteAndAccept(`files/${A}/`);
    expect((await send(core, { path: `/v1/files/${A}/top.txt`, headers: carol })).status).toBe(403);
    const listed = await send(core, share('list', { resourceTypes: ['FILE'], with: 'me' }, carol));
    expect(JSON.parse(listed.body)).toEqual({
      resources: expect.arrayContaining([{ name: 'shared', parentPath: null, bucket: A, url: `files/${A}/shared/`, nodeType: 'FOLDER', resourceType: 'FILE', permissions: ['READ'], items: null }]),
    });
  });

  it('docs/dial-core.md#subscribe — answers text/event-stream, one `data:` frame per change, and `: heartbeat` every resources.heartbeatPeriod', async () => {
    const url = `files/${A}/watched.txt`;
    const controller = new AbortController();
    const answer = await fetch(`${core.url}/v1/ops/resource/subscribe`, { method: 'POST', signal: controller.signal, headers: { ...alice, 'content-type': 'application/json' }, body: JSON.stringify({ resources: [{ url }] }) });
    expect([answer.status, answer.headers.get('content-type'), answer.headers.get('access-control-expose-headers')]).toEqual([200, 'text/event-stream', null]);
    const reader = answer.body!.getReader();
    let received = '';
    const readUntil = async (pattern: RegExp) => {
      while (!pattern.test(received)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`the stream ended; it said: ${received}`);
        received += Buffer.from(value).toString('utf8');
      }
    };
    await send(core, { path: `/v1/${url}`, method: 'PUT', ...withBody(multipart([filePart('v1', 'text/plain')]), alice) });
    await readUntil(/data: .*\n\n/);
    const event = JSON.parse(/data: (.*)\n\n/.exec(received)![1]!) as Record<string, unknown>;
    expect(event).toEqual({ url, action: 'CREATE', timestamp: expect.any(Number), etag: etagOf('v1') });
    await send(core, { path: `/v1/${url}`, method: 'DELETE', headers: alice });
    await readUntil(/"action":"DELETE"[^\n]*\n\n/);
    expect(JSON.parse(/data: (\{[^\n]*"DELETE"[^\n]*)\n\n/.exec(received)![1]!)).toEqual({ url, action: 'DELETE', timestamp: expect.any(Number) });
    await readUntil(/: heartbeat\n\n/);
    controller.abort();
  });
});
