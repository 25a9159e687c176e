import http from 'node:http';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startSandbox, type StartedSandbox } from '../sandbox/index.ts';
import { malformedRequest, Random, send, type Answer, type FuzzRequest, type Target } from './support/fuzz.ts';
import { privateStateDir } from './support/sandbox-helpers.ts';

/** FUZZ_SEED and FUZZ_REQUESTS explore further; a failure names the request, which its seed makes again. */
const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed_2026);
const REQUESTS_PER_SERVICE = Number(process.env.FUZZ_REQUESTS ?? 240);
const CONCURRENCY = 8;

/**
 * The 5xx a real service gives too. DIAL Core answers a path no controller or route serves with 502 "No
 * route" (RouteController, https://github.com/epam/ai-dial-core/blob/development/server/src/main/java/com/epam/aidial/core/server/controller/RouteController.java),
 * and a path with a malformed %-escape with an empty 500: Proxy.handleRequest's URLDecoder throws and nothing
 * catches it (https://github.com/epam/ai-dial-core/blob/f15fcd8d93fab498e258256b139de079d57b5fc9/server/src/main/java/com/epam/aidial/core/server/Proxy.java).
 */
const MALFORMED_ESCAPE = /%(?![0-9a-fA-F]{2})/;
const REAL_5XX: Record<string, (request: FuzzRequest, answer: Answer) => boolean> = {
  'mock-idp': () => false,
  'mock-models': () => false,
  // A HEAD too: Core takes the method (Proxy's allowed methods) but no controller serves it; the body is not sent.
  'mock-core': (request, answer) =>
    (answer.status === 502 && answer.body === (request.method === 'HEAD' ? '' : 'No route')) ||
    (answer.status === 500 && answer.body === '' && MALFORMED_ESCAPE.test(request.path.split(/[?#]/)[0]!)),
};

describe(`a seeded fuzz (seed ${SEED.toString(16)}): malformed requests get no 5xx the real service would not give`, () => {
  let sandbox: StartedSandbox;
  // A connection a request each: a connection a service closes on purpose (Core after a 413) cannot fail the next request.
  const agent = new http.Agent({ keepAlive: false, maxSockets: CONCURRENCY });
  const targets: Record<string, { url: string; health: string; target: Target }> = {};

  beforeAll(async () => {
    // Its own state folder: the fuzz rotates keys and resets the directory.
    sandbox = await startSandbox(undefined, { stateDir: privateStateDir('fuzz') });
    const alice = await sandbox.token('alice@example.com');
    // Every Management scope but the signing keys' writes (a rotation would only slow the run down).
    const scope = 'read:users create:users update:users delete:users read:roles create:roles update:roles delete:roles create:role_members delete:role_members read:signing_keys';
    const management = await mint({ client_id: 'ci-runner', audience: `${sandbox.issuer}api/v2/`, scope });
    const token = { grant_type: 'password', client_id: 'dial-chat', client_secret: 'dial-chat-secret', username: 'alice@example.com', password: 'alice', audience: 'dial-api', scope: 'openid offline_access' };
    targets['mock-idp'] = {
      url: sandbox.idpUrl,
      health: '/healthz',
      target: {
        paths: [
          '/healthz', '/.well-known/openid-configuration', '/.well-known/jwks.json', '/oauth/token', '/oauth/token', '/oauth/revoke', '/userinfo', '/u/login',
          '/authorize?client_id=dial-chat&response_type=code&scope=openid&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fapi%2Fauth%2Fcallback%2Fauth0',
          '/v2/logout?returnTo=http%3A%2F%2Felsewhere.example', '/oidc/logout', '/api/v2/users', '/api/v2/users/auth0%7Cnobody', '/api/v2/roles', '/api/v2/users-by-email?email=a',
          '/api/v2/users/auth0%7Cnobody/roles', '/api/v2/roles/rol_nobody/users', '/api/v2/keys/signing', '/__control/tokens', '/__control/scenario', '/__control/scenarios', '/__control/clock', '/__control/log', '/nowhere',
        ],
        bodies: [token, { ...token, grant_type: 'client_credentials', client_id: 'ci-runner', client_secret: 'ci-runner-secret' }, { grant_type: 'refresh_token', client_id: 'dial-chat', refresh_token: 'x' },
          { user: 'alice@example.com', claims: { team: 'a' }, lifetime_seconds: 60 }, { connection: 'Username-Password-Authentication', email: 'eve@example.com', password: 'Passw0rd!', user_metadata: { a: 1 } },
          { name: 'fuzzers', description: 'x' }, { roles: ['rol_nobody'] }, { name: 'no-such-scenario' }, { advance_seconds: 60 }, { username: 'alice@example.com', password: 'alice' }],
        credentials: [['authorization', `Bearer ${management}`], ['authorization', `Bearer ${alice}`], ['authorization', `Basic ${Buffer.from('dial-chat:dial-chat-secret').toString('base64')}`]],
      },
    };
    const chat = { model: 'gpt-35-turbo', messages: [{ role: 'user', content: 'hi' }], stream: false };
    targets['mock-models'] = {
      url: sandbox.modelsUrl,
      health: '/healthz',
      target: {
        paths: [
          '/healthz', '/v1/models', '/v1/chat/completions', '/v1/completions', '/v1/embeddings', '/v1/openai/deployments/gpt-35-turbo/chat/completions', '/openai/deployments/gpt-4/chat/completions',
          '/openai/deployments/text-embedding-3-small/embeddings', '/openai/deployments/gpt-35-turbo/completions?api-version=2024-02-01', '/__control/models', '/__control/models/gpt-35-turbo/requests', '/nowhere',
        ],
        bodies: [chat, { ...chat, stream: true, stream_options: { include_usage: true } }, { model: 'text-embedding-3-small', input: ['a', 'b'], dimensions: 8, encoding_format: 'base64' }, { model: 'gpt-35-turbo', prompt: 'hi' }],
        credentials: [['x-upstream-key', 'modelKey1'], ['api-key', 'modelKey2'], ['authorization', 'Bearer modelKey1']],
      },
    };
    targets['mock-core'] = {
      url: sandbox.coreUrl!,
      health: '/health',
      target: {
        paths: [
          '/health', '/version', '/openai/models', '/openai/models/chat-gpt-35-turbo', '/openai/deployments', '/openai/deployments/gpt-4', '/openai/applications', '/openai/applications/x', '/openai/addons',
          '/openai/deployments/chat-gpt-35-turbo/chat/completions', '/openai/deployments/gpt-4/chat/completions?api-version=2024-02-01', '/openai/deployments/text-embedding-3-small/embeddings',
          '/openai/deployments/gpt-4-closed/chat/completions', '/v1/user/info', '/v1/bucket', '/v1/deployments/gpt-4/limits', '/__control/log', '/nowhere',
        ],
        bodies: [{ messages: [{ role: 'user', content: 'hi' }], stream: false }, { messages: [{ role: 'user', content: 'hi' }], stream: true }, { input: 'a' }],
        credentials: [['authorization', `Bearer ${alice}`], ['api-key', 'ci-api-key']],
      },
    };
  });
  afterAll(async () => {
    agent.destroy();
    await sandbox?.stop();
  });

  const mint = async (request: Record<string, unknown>) =>
    ((await (await fetch(`${sandbox.idpUrl}/__control/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) })).json()) as { access_token: string }).access_token;

  it.each(['mock-idp', 'mock-models', 'mock-core'])('%s answers every malformed request with no unexpected 5xx, and its health check after', async (service) => {
    const { url, health, target } = targets[service]!;
    const random = new Random(SEED ^ service.length);
    const requests = Array.from({ length: REQUESTS_PER_SERVICE }, () => malformedRequest(random, target));
    const answers: Answer[] = [];
    for (let i = 0; i < requests.length; i += CONCURRENCY) answers.push(...(await Promise.all(requests.slice(i, i + CONCURRENCY).map((request) => send(url, request, agent)))));

    const unexpected = answers.flatMap((answer, i) => (answer.status >= 500 && !REAL_5XX[service]!(requests[i]!, answer) ? [describeFailure(requests[i]!, answer)] : []));
    const unanswered = answers.filter((answer) => answer.status === 0).length;
    if (process.env.FUZZ_DEBUG) answers.forEach((answer, i) => answer.status === 0 && console.log(describeFailure(requests[i]!, answer), answer.error));
    console.log(`fuzz ${service}: ${answers.length} requests, ${answers.filter((a) => a.status >= 500).length} 5xx (${unexpected.length} unexpected), ${unanswered} connections closed unanswered`);
    expect(answers).toHaveLength(REQUESTS_PER_SERVICE);
    expect(unexpected).toEqual([]);
    expect((await send(url, { method: 'GET', path: health, headers: {} }, agent)).status).toBe(200);
  });
});

function describeFailure({ method, path, headers, body }: FuzzRequest, answer: Answer): string {
  return `${method} ${path.slice(0, 200)} ${JSON.stringify(headers).slice(0, 300)} body ${body ? JSON.stringify(body.toString('utf8').slice(0, 200)) : '-'} → ${answer.status} ${answer.body}`;
}
