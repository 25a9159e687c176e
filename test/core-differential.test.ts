/**
 * The differential mode: the same requests, in the same order, to mock-core and to a reference DIAL Core
 * wired to the same IdP and stub models, and every row where the two answers differ (status, body, the
 * headers that matter) printed side by side (docs/dial-core.md#differential).
 *
 * - With SANDBOX_REFERENCE_CORE_URL (a real Core, e.g. one built from public source and configured from the
 *   environment's core/ files with `dial-sandbox env`'s Core lines), SANDBOX_IDP_URL and SANDBOX_CORE_URL
 *   (the running sandbox's IdP and mock-core): the report is printed (and written to
 *   SANDBOX_DIFF_REPORT when set); the test fails only when a side cannot be asked.
 * - Without: the harness checks itself on two mock-cores read from the same environment, sharing one IdP and
 *   one set of stub models, which must answer every row alike.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Core } from '../mock-core/core.ts';
import { loadEnvironment } from '../sandbox/environment.ts';
import { startCore } from '../sandbox/start-environment.ts';
import { passwordGrant, startSandbox, type StartedSandbox } from '../sandbox/start-sandbox.ts';
import { privateStateDir } from './support/sandbox-helpers.ts';

const REFERENCE = process.env.SANDBOX_REFERENCE_CORE_URL;
const EXTERNAL_IDP = process.env.SANDBOX_IDP_URL;
const EXTERNAL_CORE = process.env.SANDBOX_CORE_URL;

/** The headers compared besides status and body. */
const COMPARED_HEADERS = ['content-type', 'content-encoding', 'transfer-encoding', 'retry-after', 'etag', 'access-control-expose-headers', 'x-upstream-attempts', 'access-control-allow-origin', 'date'];

interface Answer {
  status: number;
  body: string;
  headers: Record<string, string>;
}

interface Side {
  url: string;
  /** Each user's bucket on this side (the same names when both sides share the encryption settings). */
  buckets: Record<string, string>;
}

interface Context {
  tokens: Record<string, string>;
  bucket(side: Side, user: string): string;
}

type Request = { method?: string; path: string; headers?: Record<string, string>; body?: string };
type Row = [name: string, request: (side: Side, context: Context) => Request];

const CONVERSATION = JSON.stringify({ id: 'c', folderId: 'conversations/x', name: 'Diff', prompt: '', temperature: 1, model: { id: 'gpt-4' }, selectedAddons: [], messages: [] });
const json = { 'content-type': 'application/json' };
const chat = (stream = false) => JSON.stringify({ messages: [{ role: 'user', content: 'hello diff' }], stream });

/** The rows, in order: later ones read what earlier ones stored, on each side alike. */
function rows(): Row[] {
  const as = (context: Context, user: string, headers: Record<string, string> = {}) => ({ authorization: `Bearer ${context.tokens[user]}`, ...headers });
  const conv = (side: Side, context: Context, user: string, path: string) => `/v1/conversations/${context.bucket(side, user)}/${path}`;
  return [
    ['health', () => ({ path: '/health' })],
    ['no credentials', () => ({ path: '/openai/models' })],
    ['an unknown API key', () => ({ path: '/openai/models', headers: { 'api-key': 'nope' } })],
    ['a token that is no JWT', () => ({ path: '/openai/models', headers: { authorization: 'Bearer nope' } })],
    ['API-KEY beside a one-part Authorization', () => ({ path: '/v1/user/info', headers: { 'api-key': 'ci-api-key', authorization: 'sometoken' } })],
    ['API-KEY beside an empty Bearer', () => ({ path: '/v1/user/info', headers: { 'api-key': 'ci-api-key', authorization: 'Bearer' } })],
    ['the API key\'s user info', () => ({ path: '/v1/user/info', headers: { 'api-key': 'ci-api-key' } })],
    ['alice\'s models', (_s, c) => ({ path: '/openai/models', headers: as(c, 'alice') })],
    ['bob\'s models', (_s, c) => ({ path: '/openai/models', headers: as(c, 'bob') })],
    ['one model', (_s, c) => ({ path: '/openai/models/gpt-4', headers: as(c, 'alice') })],
    ['a model bob may not use', (_s, c) => ({ path: '/openai/models/chat-gpt-35-turbo', headers: as(c, 'bob') })],
    ['an unknown model', (_s, c) => ({ path: '/openai/models/nope', headers: as(c, 'alice') })],
    ['applications', (_s, c) => ({ path: '/openai/applications', headers: as(c, 'alice') })],
    ['alice\'s chat completion', (_s, c) => ({ method: 'POST', path: '/openai/deployments/chat-gpt-35-turbo/chat/completions', headers: as(c, 'alice', json), body: chat() })],
    ['bob refused the model', (_s, c) => ({ method: 'POST', path: '/openai/deployments/chat-gpt-35-turbo/chat/completions', headers: as(c, 'bob', json), body: chat() })],
    ['a model open to nobody', (_s, c) => ({ method: 'POST', path: '/openai/deployments/gpt-4-closed/chat/completions', headers: as(c, 'alice', json), body: chat() })],
    ['an unknown deployment', (_s, c) => ({ method: 'POST', path: '/openai/deployments/nope/chat/completions', headers: as(c, 'alice', json), body: chat() })],
    ['not JSON', (_s, c) => ({ method: 'POST', path: '/openai/deployments/gpt-4/chat/completions', headers: as(c, 'alice', { 'content-type': 'text/plain' }), body: 'hi' })],
    ['a body that is no JSON object', (_s, c) => ({ method: 'POST', path: '/openai/deployments/gpt-4/chat/completions', headers: as(c, 'alice', json), body: '[1]' })],
    ['limits', (_s, c) => ({ path: '/v1/deployments/gpt-4/limits', headers: as(c, 'bob') })],
    ['a path Core does not serve', (_s, c) => ({ path: '/v1/nothing-here', headers: as(c, 'alice') })],
    ['a method Core does not take', () => ({ method: 'PATCH', path: '/openai/models' })],
    ['alice\'s bucket', (_s, c) => ({ path: '/v1/bucket', headers: as(c, 'alice') })],
    ['an empty bucket\'s root listing', (s, c) => ({ path: `/v1/metadata/conversations/${c.bucket(s, 'bob')}/`, headers: as(c, 'bob') })],
    ['a missing folder', (s, c) => ({ path: `/v1/metadata/conversations/${c.bucket(s, 'bob')}/nope/`, headers: as(c, 'bob') })],
    ['a conversation PUT', (s, c) => ({ method: 'PUT', path: conv(s, c, 'alice', 'diff/one'), headers: as(c, 'alice', json), body: CONVERSATION })],
    ['the same, If-None-Match: *', (s, c) => ({ method: 'PUT', path: conv(s, c, 'alice', 'diff/one'), headers: as(c, 'alice', { ...json, 'if-none-match': '*' }), body: CONVERSATION })],
    ['a stale If-Match', (s, c) => ({ method: 'PUT', path: conv(s, c, 'alice', 'diff/one'), headers: as(c, 'alice', { ...json, 'if-match': '"0"' }), body: CONVERSATION })],
    ['a conversation GET', (s, c) => ({ path: conv(s, c, 'alice', 'diff/one'), headers: as(c, 'alice') })],
    ['a GET, If-None-Match the current tag', (s, c) => ({ path: conv(s, c, 'alice', 'diff/one'), headers: as(c, 'alice', { 'if-none-match': createHash('md5').update(CONVERSATION).digest('hex') }) })],
    ['bob reading alice\'s conversation', (s, c) => ({ path: conv(s, c, 'alice', 'diff/one'), headers: as(c, 'bob') })],
    ['a listing, recursive', (s, c) => ({ path: `/v1/metadata/conversations/${c.bucket(s, 'alice')}/?limit=1000&recursive=true`, headers: as(c, 'alice') })],
    ['a listing, one level', (s, c) => ({ path: `/v1/metadata/conversations/${c.bucket(s, 'alice')}/`, headers: as(c, 'alice') })],
    ['one item\'s metadata', (s, c) => ({ path: `/v1/metadata/conversations/${c.bucket(s, 'alice')}/diff/one`, headers: as(c, 'alice') })],
    ['a bad limit', (s, c) => ({ path: `/v1/metadata/conversations/${c.bucket(s, 'alice')}/?limit=5000`, headers: as(c, 'alice') })],
    ['a missing required property', (s, c) => ({ method: 'PUT', path: conv(s, c, 'alice', 'diff/bad'), headers: as(c, 'alice', json), body: '{"id":"x"}' })],
    ['a property of the wrong kind', (s, c) => ({ method: 'PUT', path: conv(s, c, 'alice', 'diff/bad'), headers: as(c, 'alice', json), body: CONVERSATION.replace('"messages":[]', '"messages":"x"') })],
    ['an empty segment', (s, c) => ({ method: 'PUT', path: conv(s, c, 'alice', 'a//b'), headers: as(c, 'alice', json), body: CONVERSATION })],
    ['a name ending in a dot', (s, c) => ({ method: 'PUT', path: conv(s, c, 'alice', 'name.'), headers: as(c, 'alice', json), body: CONVERSATION })],
    ['an invalid bucket', (_s, c) => ({ path: '/v1/conversations/abc/x', headers: as(c, 'alice') })],
    ['a file upload', (s, c) => ({ method: 'PUT', path: `/v1/files/${c.bucket(s, 'alice')}/diff/a.txt`, headers: as(c, 'alice', { 'content-type': 'multipart/form-data; boundary=b0' }), body: '--b0\r\nContent-Disposition: form-data; name="attachment"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b0--\r\n' })],
    ['a file download', (s, c) => ({ path: `/v1/files/${c.bucket(s, 'alice')}/diff/a.txt`, headers: as(c, 'alice') })],
    ['a file listing', (s, c) => ({ path: `/v1/metadata/files/${c.bucket(s, 'alice')}/diff/`, headers: as(c, 'alice') })],
    ['an upload that is not multipart', (s, c) => ({ method: 'PUT', path: `/v1/files/${c.bucket(s, 'alice')}/diff/b.txt`, headers: as(c, 'alice', json), body: '{}' })],
    ['a missing file', (s, c) => ({ path: `/v1/files/${c.bucket(s, 'alice')}/diff/none.txt`, headers: as(c, 'alice') })],
    ['a move', (s, c) => ({ method: 'POST', path: '/v1/ops/resource/move', headers: as(c, 'alice', json), body: JSON.stringify({ sourceUrl: `conversations/${c.bucket(s, 'alice')}/diff/one`, destinationUrl: `conversations/${c.bucket(s, 'alice')}/diff/two` }) })],
    ['a move of what is gone', (s, c) => ({ method: 'POST', path: '/v1/ops/resource/move', headers: as(c, 'alice', json), body: JSON.stringify({ sourceUrl: `conversations/${c.bucket(s, 'alice')}/diff/one`, destinationUrl: `conversations/${c.bucket(s, 'alice')}/diff/two` }) })],
    ['a share of another\'s resource', (s, c) => ({ method: 'POST', path: '/v1/ops/resource/share/create', headers: as(c, 'bob', json), body: JSON.stringify({ invitationType: 'link', resources: [{ url: `conversations/${c.bucket(s, 'alice')}/diff/two` }] }) })],
    ['shared with me', (_s, c) => ({ method: 'POST', path: '/v1/ops/resource/share/list', headers: as(c, 'bob', json), body: JSON.stringify({ resourceTypes: ['CONVERSATION'], with: 'me' }) })],
    ['an unknown invitation', (_s, c) => ({ path: '/v1/invitations/abc', headers: as(c, 'bob') })],
    ['my invitations', (_s, c) => ({ path: '/v1/invitations', headers: as(c, 'bob') })],
    ['publications', (s, c) => ({ method: 'POST', path: '/v1/ops/publication/list', headers: as(c, 'alice', json), body: JSON.stringify({ url: `publications/${c.bucket(s, 'alice')}/` }) })],
    ['notifications', (_s, c) => ({ method: 'POST', path: '/v1/ops/notification/list', headers: as(c, 'alice', json), body: '{}' })],
    ['a rating', (_s, c) => ({ method: 'POST', path: '/v1/gpt-4/rate', headers: as(c, 'alice', json), body: JSON.stringify({ responseId: 'x', rate: true }) })],
    ['the public bucket', (_s, c) => ({ path: '/v1/metadata/files/public/', headers: as(c, 'alice') })],
    ['a conversation DELETE', (s, c) => ({ method: 'DELETE', path: conv(s, c, 'alice', 'diff/two'), headers: as(c, 'alice') })],
    ['a DELETE of what is gone', (s, c) => ({ method: 'DELETE', path: conv(s, c, 'alice', 'diff/two'), headers: as(c, 'alice') })],
    ['a file DELETE', (s, c) => ({ method: 'DELETE', path: `/v1/files/${c.bucket(s, 'alice')}/diff/a.txt`, headers: as(c, 'alice') })],
  ];
}

async function ask(side: Side, request: Request): Promise<Answer> {
  const answer = await fetch(`${side.url}${request.path}`, { method: request.method ?? 'GET', headers: request.headers, body: request.body });
  const headers: Record<string, string> = {};
  for (const name of COMPARED_HEADERS) {
    const value = answer.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  return { status: answer.status, body: normalise(await answer.text(), side), headers };
}

/** What legitimately differs between two runs: times, generated ids, each side's bucket names. */
function normalise(body: string, side: Side): string {
  let text = body
    .replace(/"(createdAt|updatedAt|created|timestamp|expireAt)":\d+/g, '"$1":<time>')
    .replace(/"id":"chatcmpl-[^"]+"/g, '"id":"chatcmpl-<id>"')
    .replace(/\/v1\/invitations\/[a-zA-Z0-9]+/g, '/v1/invitations/<id>');
  for (const [user, bucket] of Object.entries(side.buckets)) text = text.split(bucket).join(`<${user}'s bucket>`);
  return text;
}

interface Difference {
  row: string;
  subject: Answer;
  reference: Answer;
}

async function differences(subject: Side, reference: Side, context: Context): Promise<Difference[]> {
  const found: Difference[] = [];
  for (const [name, request] of rows()) {
    const [a, b] = [await ask(subject, request(subject, context)), await ask(reference, request(reference, context))];
    if (a.status !== b.status || a.body !== b.body || JSON.stringify(a.headers) !== JSON.stringify(b.headers)) found.push({ row: name, subject: a, reference: b });
  }
  return found;
}

function report(found: Difference[], names: { subject: string; reference: string }): string {
  const line = (d: Difference) => {
    const [a, b] = [d.subject, d.reference];
    // Long bodies are shown from just before the first character where they part.
    let at = 0;
    while (at < a.body.length && a.body[at] === b.body[at]) at++;
    const from = a.body.length > 120 || b.body.length > 120 ? Math.max(0, at - 40) : 0;
    const cell = (x: Answer) => `${x.status} ${from ? '…' : ''}${x.body.slice(from, from + 120)}${x.body.length > from + 120 ? '…' : ''} ${JSON.stringify(x.headers)}`.replace(/\|/g, '\\|').replace(/\n/g, ' ');
    return `| ${d.row} | ${cell(a)} | ${cell(b)} |`;
  };
  return [`${found.length} of ${rows().length} rows differ (${names.subject} | ${names.reference})`, '', `| row | ${names.subject} | ${names.reference} |`, '|---|---|---|', ...found.map(line)].join('\n');
}

async function bucketsOf(url: string, tokens: Record<string, string>): Promise<Record<string, string>> {
  const buckets: Record<string, string> = {};
  for (const [user, token] of Object.entries(tokens)) {
    const answer = await fetch(`${url}/v1/bucket`, { headers: { authorization: `Bearer ${token}` } });
    buckets[user] = ((await answer.json()) as { bucket: string }).bucket;
  }
  return buckets;
}

const contextOf = (tokens: Record<string, string>): Context => ({ tokens, bucket: (side, user) => side.buckets[user]! });

describe.skipIf(!REFERENCE)(`mock-core beside a reference DIAL Core${REFERENCE ? ` at ${REFERENCE}` : ' — skipped: SANDBOX_REFERENCE_CORE_URL names no reference Core'}`, () => {
  it('asks both the same requests and prints every row where they differ', async () => {
    if (!EXTERNAL_IDP || !EXTERNAL_CORE) throw new Error('the differential mode wants SANDBOX_IDP_URL and SANDBOX_CORE_URL too (the running sandbox the reference Core is wired to)');
    const environment = loadEnvironment(process.env.SANDBOX_ENV);
    const tokens = { alice: await passwordGrant(environment, EXTERNAL_IDP, 'alice@example.com'), bob: await passwordGrant(environment, EXTERNAL_IDP, 'bob@example.com') };
    const subject = { url: EXTERNAL_CORE, buckets: await bucketsOf(EXTERNAL_CORE, tokens) };
    const reference = { url: REFERENCE!, buckets: await bucketsOf(REFERENCE!, tokens) };
    const versions = await Promise.all([subject.url, reference.url].map(async (url) => (await fetch(`${url}/version`)).text()));
    const found = await differences(subject, reference, contextOf(tokens));
    const text = report(found, { subject: `mock-core ${versions[0]}`, reference: `reference Core ${versions[1]}` });
    process.stdout.write(`${text}\n`);
    if (process.env.SANDBOX_DIFF_REPORT) writeFileSync(process.env.SANDBOX_DIFF_REPORT, `${text}\n`);
    expect(found.length).toBeLessThanOrEqual(rows().length);
  });
});

describe('the differential mode checks itself: two mock-cores from the same environment answer every row alike', () => {
  let sandbox: StartedSandbox;
  let second: Core;
  beforeAll(async () => {
    sandbox = await startSandbox(undefined, { stateDir: privateStateDir('differential') });
    // Another mock-core on the same IdP and stub models, storing in memory.
    second = await startCore(sandbox.environment, sandbox, { port: 0, log: { info() {}, warn() {}, error() {} } });
  });
  afterAll(async () => {
    await second?.stop();
    await sandbox?.stop();
  });

  it('finds no difference', async () => {
    const tokens = { alice: await sandbox.token('alice@example.com'), bob: await sandbox.token('bob@example.com') };
    const [a, b] = [{ url: sandbox.coreUrl!, buckets: await bucketsOf(sandbox.coreUrl!, tokens) }, { url: second.url, buckets: await bucketsOf(second.url, tokens) }];
    const found = await differences(a, b, contextOf(tokens));
    expect(found, report(found, { subject: 'mock-core', reference: 'a second mock-core' })).toEqual([]);
  });
});
