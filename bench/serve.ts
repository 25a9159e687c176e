/**
 * A server under benchmark, in its own process: `models` (mock-models with the
 * default environment), `core <models-url> [undici]` (mock-core forwarding to those models, with its own client or
 * undici's, callers authenticated by
 * the API key `bench-key`, or by a JWT signed with the key whose public JWK is in BENCH_JWK), `storage <state-dir>` (mock-core's storage API on that
 * state folder, for the API key `bench-key`), `embedded` (mock-core and mock-models in one process, as `npm start` runs them;
 * prints both URLs), `idp <state-dir>` (mock-idp on that state folder; prints its http URL and issuer) or `ceiling` (the least a node:http server can do: a fixed JSON body, or one SSE
 * chunk). Prints its URL on stdout once listening.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

// What `npm start` runs: the build in dist/ (`npm run bench` makes it first). The sources through tsx would
// measure tsx's transform too, which wraps every function and costs mock-core ~8% per request.
const built = (module: string): Promise<unknown> => import(new URL(`../dist/${module}.js`, import.meta.url).href);
const { createCore } = (await built('mock-core/core')) as typeof import('../mock-core/core.ts');
const { loadStaticSettings } = (await built('mock-core/settings')) as typeof import('../mock-core/settings.ts');
const { createModels } = (await built('mock-models/models')) as typeof import('../mock-models/models.ts');
const { loadEnvironment } = (await built('sandbox/environment')) as typeof import('../sandbox/environment.ts');
const { createIdp } = (await built('mock-idp/idp')) as typeof import('../mock-idp/idp.ts');

const which = process.argv[2];
if (which === 'models') {
  const models = await createModels({ models: loadEnvironment().models, port: 0 });
  process.stdout.write(`${models.url}\n`);
} else if (which === 'core' || which === 'embedded') {
  // `embedded`: the stub models in this same process, as `npm start` runs them.
  const modelsUrl = which === 'core' ? process.argv[3]! : (await createModels({ models: loadEnvironment().models, port: 0 })).url;
  // Users' tokens are checked against the JWK the benchmark signs with (BENCH_JWK), served from here.
  const jwks = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(`{"keys":[${process.env.BENCH_JWK ?? ''}]}`));
  await new Promise<void>((listening) => jwks.listen(0, '127.0.0.1', listening));
  const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
  const settings = loadStaticSettings({ overrides: { identityProviders: { bench: { jwksUrl, rolePath: 'roles' } } } });
  const config = {
    models: { bench: { type: 'chat', endpoint: `${modelsUrl}/v1/openai/deployments/gpt-35-turbo/chat/completions`, upstreams: [{ endpoint: modelsUrl, key: 'modelKey1' }] } },
    keys: { 'bench-key': { project: 'bench', role: 'bench' } },
    roles: { bench: { limits: { bench: {} } } },
  };
  // undici's client is loaded only where asked for: undici's modules take ~80 ms to load.
  const upstreamClient = process.argv[4] === 'undici' ? new ((await built('mock-core/upstream/undici-client')) as typeof import('../mock-core/upstream/undici-client.ts')).UndiciClient(settings.client) : undefined;
  const core = await createCore({ settings, config: { inline: config }, port: 0, upstreamClient });
  process.stdout.write(which === 'core' ? `${core.url}\n` : `${core.url} ${modelsUrl}\n`);
} else if (which === 'storage') {
  // mock-core's storage API on a state folder of its own (files fsynced as `npm start` keeps them), the
  // caller an API key; no models needed.
  const settings = loadStaticSettings({ overrides: { identityProviders: { bench: { jwksUrl: 'http://127.0.0.1:1/jwks', rolePath: 'roles' } } } });
  const core = await createCore({ settings, config: { inline: { keys: { 'bench-key': { project: 'bench', role: 'bench' } } } }, port: 0, stateDir: process.argv[3]! });
  process.stdout.write(`${core.url}\n`);
} else if (which === 'idp') {
  // The default tenant on the state folder given (which may hold a directory made beforehand).
  const idp = await createIdp({ tenant: loadEnvironment().tenant, stateDir: process.argv[3]!, httpPort: 0, httpsPort: 0, log: { info() {}, warn() {}, error() {} } });
  process.stdout.write(`${idp.httpUrl} ${idp.issuer}\n`);
} else if (which === 'ceiling') {
  const body = JSON.stringify({ id: 'chatcmpl-x', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'one two three' }, finish_reason: 'stop' }] });
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url?.includes('stream')) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: {"choices":[{"delta":{"content":"one"}}]}\n\n');
        res.end('data: [DONE]\n\n');
      } else {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      }
    });
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(`http://127.0.0.1:${(server.address() as AddressInfo).port}\n`));
} else {
  throw new Error('usage: serve.ts models | core <models-url> [undici] | embedded | idp <state-dir> | ceiling');
}
process.on('SIGINT', () => process.exit(0)); // lets --cpu-prof write its profile
