/**
 * "Try it": a prompt through mock-core as a user (a real login: the password grant at the IdP, or a minted
 * token when no application has that grant or the user's password is unknown) or as an API key, the answer
 * streamed back line by line (NDJSON), then the request as the stub model received it: the headers Core added.
 */
import { randomUUID } from 'node:crypto';

import type { CoreLogEntry } from '../mock-core/request-log-entry.ts';
import { defaultAudience, passwordGrantBody, passwordGrantClient, type TenantUser } from '../mock-idp/tenant.ts';
import { addedByCore } from './core-headers.ts';
import { badRequest, noCore } from './errors.ts';
import type { ConsoleExchange } from './exchange.ts';

/** Sent with the call, passed on by Core, and looked for among the stub models' recordings. */
export const TRY_HEADER = 'x-sandbox-console-try';

const MAX_PROMPT = 4_000;

interface TryRequest {
  user?: string;
  key?: string;
  deployment: string;
  prompt: string;
}

export async function tryIt(exchange: ConsoleExchange, body: Record<string, unknown>): Promise<void> {
  const { res, console: state } = exchange;
  const { core, models } = state.services;
  if (!core) throw noCore();
  const request = checked(body);
  const config = core.config.current;
  const deployment = config.models.get(request.deployment) ?? config.applications.get(request.deployment);
  if (!deployment) throw badRequest(`No deployment ${request.deployment}; Core has ${[...config.models.keys(), ...config.applications.keys()].join(', ')}.`);
  // Checked before the stream starts: once it has, a 400 can no longer be sent.
  const caller = callerOf(exchange, request);

  res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store' });
  const line = (value: Record<string, unknown>) => res.write(`${JSON.stringify(value)}\n`);

  const credentials = await credentialsFor(exchange, caller, line);
  if (!credentials) return void res.end();

  const tryId = randomUUID();
  const embedding = deployment.type === 'embedding';
  const api = embedding ? 'embeddings' : deployment.type === 'completion' ? 'completions' : 'chat/completions';
  const payload = embedding ? { input: request.prompt } : deployment.type === 'completion' ? { prompt: request.prompt, stream: true } : { messages: [{ role: 'user', content: request.prompt }], stream: true };
  const sent = { 'content-type': 'application/json', [TRY_HEADER]: tryId, ...credentials };
  state.feed.note(`try it: ${request.user ?? `API key of ${config.keys.get(request.key!)?.project}`} → ${deployment.name}`, { deployment: deployment.name });
  const path = `/openai/deployments/${encodeURIComponent(deployment.name)}/${api}`;
  // Core's log entry for this call, for its reason, cause and rule: among those logged while it runs.
  const loggedMeanwhile: (() => CoreLogEntry)[] = [];
  const unsubscribe = core.log.subscribe((read) => loggedMeanwhile.push(read));
  const answer = await fetch(`${core.url}${path}`, { method: 'POST', headers: sent, body: JSON.stringify(payload) }).finally(unsubscribe);
  line({ kind: 'answer', status: answer.status, headers: Object.fromEntries(answer.headers) });
  if (answer.status !== 200) {
    const text = await answer.text();
    const logged = loggedMeanwhile.map((read) => read()).find((e) => e.path === path && e.status === answer.status);
    line({ kind: 'error', status: answer.status, body: text, reason: logged?.reason, cause: logged?.cause, rule: logged?.rule });
  } else if (embedding) {
    const json = (await answer.json()) as { data?: { embedding?: number[] }[] };
    line({ kind: 'delta', text: `an embedding of ${json.data?.[0]?.embedding?.length ?? 0} numbers` });
  } else {
    await streamDeltas(answer, (text) => line({ kind: 'delta', text }));
  }
  const received = models.definitions.flatMap((d) => models.requests(d.name)).find((r) => r.headers[TRY_HEADER] === tryId);
  line(received
    ? { kind: 'forwarded', path: received.path, added: addedByCore(received.headers) }
    : { kind: 'forwarded', missing: `no stub model recorded it: ${deployment.name}'s upstream is not one of the sandbox's stubs, or Core did not forward it` });
  line({ kind: 'done' });
  res.end();
}

/** The directory user or Core's API key the request names; a 400 for one that is not there. */
function callerOf(exchange: ConsoleExchange, request: TryRequest): { key: string } | { user: TenantUser } {
  const { idp, core } = exchange.console.services;
  if (request.key !== undefined) {
    if (!core!.config.current.keys.has(request.key)) throw badRequest(`No API key ${request.key} in Core's config.`);
    return { key: request.key };
  }
  const user = idp.accounts.byEmail(request.user!);
  if (!user) throw badRequest(`No user ${request.user}; the directory has ${idp.accounts.all.map((u) => u.email).join(', ')}.`);
  return { user };
}

/** The caller's header: a login's token for a user, Api-Key for a key; a refused login is said, and ends the try. */
async function credentialsFor(exchange: ConsoleExchange, caller: { key: string } | { user: TenantUser }, line: (value: Record<string, unknown>) => void): Promise<Record<string, string> | undefined> {
  if ('key' in caller) {
    line({ kind: 'login', how: 'Api-Key header' });
    return { 'api-key': caller.key };
  }
  const { idp } = exchange.console.services;
  const { user } = caller;
  const client = passwordGrantClient(idp.tenant);
  let answer: { status: number; body: unknown };
  let how: string;
  if (client && user.password) {
    how = `password grant at /oauth/token as ${client.client_id}`;
    answer = await exchange.console.calls.token(passwordGrantBody(client, user, defaultAudience(idp.tenant)));
  } else {
    how = 'minted at /__control/tokens (no password grant for this user)';
    answer = await exchange.console.calls.idpControl('POST', 'tokens', { user: user.user_id });
  }
  const token = (answer.body as { access_token?: string }).access_token;
  if (answer.status !== 200 || !token) {
    line({ kind: 'error', stage: 'login', status: answer.status, body: answer.body, how });
    return undefined;
  }
  line({ kind: 'login', how });
  return { authorization: `Bearer ${token}` };
}

/** Each `choices[0].delta.content` (or a completion's `text`) of an OpenAI event stream, as it comes. */
async function streamDeltas(answer: Response, onText: (text: string) => void): Promise<void> {
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of answer.body as unknown as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffered.indexOf('\n\n')) >= 0) {
      const event = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      for (const data of event.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim())) {
        if (data === '[DONE]') continue;
        try {
          const choice = (JSON.parse(data) as { choices?: { delta?: { content?: string }; text?: string }[] }).choices?.[0];
          const text = choice?.delta?.content ?? choice?.text;
          if (text) onText(text);
        } catch {
          onText(data);
        }
      }
    }
  }
}

function checked(body: Record<string, unknown>): TryRequest {
  const { user, key, deployment, prompt } = body;
  if ((user === undefined) === (key === undefined)) throw badRequest('Name a user (email) or an API key (key), one of them.');
  if (user !== undefined && typeof user !== 'string') throw badRequest('user is an email.');
  if (key !== undefined && typeof key !== 'string') throw badRequest('key is an API key.');
  if (typeof deployment !== 'string' || !deployment) throw badRequest('deployment names one of Core\'s models or applications.');
  if (typeof prompt !== 'string' || !prompt.trim()) throw badRequest('prompt is the text to send.');
  if (prompt.length > MAX_PROMPT) throw badRequest(`prompt is at most ${MAX_PROMPT} characters here.`);
  return { user, key, deployment, prompt } as TryRequest;
}
