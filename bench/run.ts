/**
 * `npm run bench`: each figure beside its reference in the same run, as ratios —
 * mock-models beside a minimal node:http server (the ceiling), and a call through mock-core beside the same
 * call straight to mock-models. Each server runs in its own process (from dist/, as `npm start` runs it); the
 * load comes from this one, through a wrk-style generator (load.ts) so that it takes little of the cores the
 * servers share. Figures compared with each other are taken in alternating rounds. Loops are bounded in time
 * and count, and every request goes to 127.0.0.1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSign, generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import { fileURLToPath } from 'node:url';

import { browserUnavailable } from '../test/support/chromium.ts';
import { coreUnderLoad, firstLoads, PACED_RATE, stopSandbox, warmUp, WINDOW_SECONDS, type ConsoleRun } from './console-bench.ts';
import { load, percentiles, type LoadResult } from './load.ts';
import { userCreateLatency } from './management-bench.ts';
import { storageFigures } from './storage-bench.ts';
import { actionProcessesRssMiB, coldStart, cpuMs, e2eWallTime, grantsPerSecond, healthy, rssMiB, spawnOauth2MockServer, spawnSandbox } from './sandbox-bench.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = 32;
const STREAM_SAMPLES = 300;
const CHAT = JSON.stringify({ messages: [{ role: 'user', content: 'one two three' }] });
const STREAM = JSON.stringify({ messages: [{ role: 'user', content: 'one two three' }], stream: true });
const DIRECT = '/v1/openai/deployments/gpt-35-turbo/chat/completions';
const THROUGH_CORE = '/openai/deployments/bench/chat/completions';
const HEADERS = { 'content-type': 'application/json', 'x-upstream-key': 'modelKey1', 'api-key': 'bench-key' };

// A user's token, as DIAL Chat forwards it: RS256, checked by mock-core against the JWK it is given.
const userKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
const BENCH_JWK = JSON.stringify({ ...userKey.publicKey.export({ format: 'jwk' }), kid: 'bench', alg: 'RS256', use: 'sig' });
const USER_HEADERS = { 'content-type': 'application/json', 'x-upstream-key': 'modelKey1', authorization: `Bearer ${userToken()}` };

function userToken(): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const signingInput = `${part({ alg: 'RS256', typ: 'JWT', kid: 'bench' })}.${part({ sub: 'bench-user', roles: ['bench'], iat: now - 5, exp: now + 86_400 })}`;
  return `${signingInput}.${createSign('RSA-SHA256').update(signingInput).sign(userKey.privateKey).toString('base64url')}`;
}

interface Server {
  url: URL;
  process: ChildProcess;
}

async function startServer(...args: string[]): Promise<Server> {
  return (await startServers(...args))[0]!;
}

/** A process serving one URL or more (printed on one line). */
async function startServers(...args: string[]): Promise<Server[]> {
  // Node itself with tsx's loader (not the tsx CLI, which runs a second process): its pid is the server's.
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./serve.ts', import.meta.url)), ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, BENCH_JWK } });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.once('exit', (code) => reject(new Error(`${args[0]} exited with ${code}`)));
  });
  return url.split(' ').map((u) => ({ url: new URL(u), process: child }));
}

function post(agent: http.Agent, url: URL, path: string, body: string, onFirstByte?: () => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ agent, host: url.hostname, port: url.port, path, method: 'POST', headers: { ...HEADERS, 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.once('data', () => onFirstByte?.());
      res.on('data', () => {});
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * A steady rate well under what two cores serve through mock-core (a third of it or less here): what a call
 * takes when nothing queues for a core, as opposed to the closed loops' latency, which is mostly the queue.
 */
const STEADY_RATE = 2000;

/** Latency percentiles at STEADY_RATE requests/s for SECONDS, on up to CONCURRENCY connections. */
function steadyLoadOf(server: Server, path: string): Promise<LoadResult> {
  return load({ url: server.url, path, headers: HEADERS, body: CHAT, connections: CONCURRENCY, seconds: SECONDS, ratePerSecond: STEADY_RATE });
}

/** Requests/s and latency percentiles at CONCURRENCY for SECONDS (and at most 10^6 requests). */
function loadOf(server: Server, path: string, headers: Record<string, string> = HEADERS): Promise<LoadResult> {
  return load({ url: server.url, path, headers, body: CHAT, connections: CONCURRENCY, seconds: SECONDS });
}

/** A load run, with the CPU time (user + system) each of `processes` spent on it, per request, in µs. */
type Measured = LoadResult & { cpu: number[] };

async function measure(server: Server, path: string, processes: ChildProcess[] = [], headers: Record<string, string> = HEADERS): Promise<Measured> {
  const before = processes.map((p) => cpuMs(p.pid!));
  const result = await loadOf(server, path, headers);
  return { ...result, cpu: processes.map((p, i) => ((cpuMs(p.pid!) - before[i]!) * 1000) / result.requests) };
}

const ROUNDS = 5;

/** Two loads compared round by round: each round's two runs ran back to back, under the same machine speed. */
interface Comparison {
  /** Requests/s of the first over the second. */
  ratio: number;
  /** Latency the first adds to the second, in ms. */
  addedP50: number;
  addedP99: number;
}

/**
 * Two loads taken in turn, ROUNDS times. Each side's figures are the medians of its rounds; the comparison
 * is the median of the rounds' own comparisons. This machine's speed drifts by more than some differences
 * being measured (the same server's throughput moves ±20% between minutes), and a round's two runs share
 * its speed: comparing within rounds takes the drift out of the ratio and the added latency.
 */
async function sideBySide(a: () => Promise<Measured>, b: () => Promise<Measured>): Promise<[Measured, Measured, Comparison]> {
  const rounds = await inRounds([a, b]);
  return [sideOf(rounds, 0), sideOf(rounds, 1), comparisonOf(rounds, 0, 1)];
}

/** One load's figures over the rounds: the median of each. */
function sideOf(rounds: Measured[][], i: number): Measured {
  const medianOf = (figure: (run: Measured) => number) => median(rounds.map((round) => figure(round[i]!)));
  return {
    requests: medianOf((run) => run.requests),
    perSecond: medianOf((run) => run.perSecond),
    p50: medianOf((run) => run.p50),
    p99: medianOf((run) => run.p99),
    cpu: rounds[0]![i]!.cpu.map((_, c) => medianOf((run) => run.cpu[c]!)),
  };
}

/** Load `i` beside load `j`: the median of the rounds' own comparisons. */
function comparisonOf(rounds: Measured[][], i: number, j: number): Comparison {
  const medianOf = (figure: (x: Measured, y: Measured) => number) => median(rounds.map((round) => figure(round[i]!, round[j]!)));
  return {
    ratio: medianOf((x, y) => x.perSecond / y.perSecond),
    addedP50: medianOf((x, y) => x.p50 - y.p50),
    addedP99: medianOf((x, y) => x.p99 - y.p99),
  };
}

/** Two measurements taken in turn, ROUNDS times: each round's pair ran back to back. */
async function inTurns<T>(a: () => Promise<T>, b: () => Promise<T>): Promise<[T, T][]> {
  return (await inRounds([a, b])) as [T, T][];
}

/** Measurements taken in turn, ROUNDS times: each round's ran back to back, in the order given. */
async function inRounds<T>(runs: (() => Promise<T>)[]): Promise<T[][]> {
  const rounds: T[][] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const results: T[] = [];
    for (const run of runs) results.push(await run());
    rounds.push(results);
  }
  return rounds;
}

const median = (values: number[]) => percentiles(values).p50;

/** A table row from measurements taken in turns: each side's median, and the median of the rounds' ratios. */
function pairedRow(name: string, runs: [number, number][], show: (value: number) => string): string[] {
  return [name, show(median(runs.map(([x]) => x))), show(median(runs.map(([, y]) => y))), `${median(runs.map(([x, y]) => x / y)).toFixed(2)}×`];
}

/** Time from sending a streaming request to its first body chunk, one request at a time. */
async function timeToFirstChunk(server: Server, path: string): Promise<{ p50: number; p99: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const samples: number[] = [];
  for (let i = 0; i < STREAM_SAMPLES; i++) {
    const started = performance.now();
    let first = 0;
    await post(agent, server.url, path, STREAM, () => (first = performance.now()));
    samples.push(first - started);
  }
  agent.destroy();
  return percentiles(samples);
}


const ms = (value: number) => `${value.toFixed(2)} ms`;
/** A latency added (or taken off, −), in ms. */
const added = (value: number) => `${value < 0 ? '−' : '+'}${ms(Math.abs(value))}`;
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
const percent = (fraction: number) => `${(fraction * 100).toFixed(0)}%`;

function printTable(title: string, rows: string[][]): void {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => `| ${r.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ')} |`;
  process.stdout.write(`\n${title}\n\n${[line(rows[0]!), line(widths.map((w) => '-'.repeat(w))), ...rows.slice(1).map(line)].join('\n')}\n`);
}

const SOAK_SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? 60);

/** BENCH_ONLY=mock-core: the table of calls through mock-core alone (while measuring it); everything by default. */
const ONLY_CORE = process.env.BENCH_ONLY === 'mock-core';

/** mock-core's storage API, in a process of its own on a state folder of its own. */
async function storageTable(): Promise<void> {
  const started: Server[] = [];
  try {
    const { put, get, listing10, listing10k } = await storageFigures(async (stateDir) => {
      const server = await startServer('storage', stateDir);
      started.push(server);
      return server.url;
    }, SECONDS, CONCURRENCY);
    printTable(`mock-core's storage API: a conversation put (written durably) and got, concurrency ${CONCURRENCY}; a folder's first listing page (limit=1000, recursive)`, [
      ['figure', 'p50', 'p99', 'requests/s'],
      ['PUT /v1/conversations/…', ms(put.p50), ms(put.p99), put.perSecond.toFixed(0)],
      ['GET /v1/conversations/…', ms(get.p50), ms(get.p99), get.perSecond.toFixed(0)],
      ['listing, 10 conversations', ms(listing10.p50), ms(listing10.p99), '—'],
      ['listing, 10,000 conversations (first 1,000)', ms(listing10k.p50), ms(listing10k.p99), '—'],
    ]);
  } finally {
    for (const server of started) server.process.kill();
  }
}

/** Sandbox starts for the console's cold first loads, and loads per start (the first cold, the others warm). */
const CONSOLE_STARTS = 5;
const CONSOLE_LOADS = 10;

/**
 * The web console in chromium beside the sandbox it watches: its first load, then mock-core under a paced
 * load with the page open on the timeline beside none open, in alternating rounds.
 */
async function consoleTables(): Promise<void> {
  const unavailable = browserUnavailable();
  if (unavailable) {
    process.stdout.write(`\nthe web console: skipped, ${unavailable}\n`);
    return;
  }
  const { figures, sandbox, browser } = await firstLoads(CONSOLE_STARTS, CONSOLE_LOADS);
  try {
    const loads = (samples: number[]) => { const { p50, p99 } = percentiles(samples); return [String(samples.length), ms(p50), ms(p99)]; };
    printTable(`the console's first load to the matrix drawn (its 'matrix-drawn' mark, from navigation start), each load in a new browser context (target: p50 ≤ 300 ms warm)`, [
      ['load', 'loads', 'p50', 'p99'],
      ['a browser just launched, on a sandbox just started', '1', ms(figures.freshBrowser), '—'],
      [`cold: a sandbox start's first (${CONSOLE_STARTS} starts)`, ...loads(figures.cold)],
      [`warm: loads 2–${CONSOLE_LOADS} of each start`, ...loads(figures.warm)],
      [`all ${CONSOLE_LOADS} loads of each start`, ...loads([...figures.cold, ...figures.warm])],
    ]);

    await warmUp(sandbox, SECONDS);
    // Each round: no page open, then the page open on #timeline (a new browser context, closed after).
    const rounds = await inRounds([() => coreUnderLoad(sandbox, SECONDS), () => coreUnderLoad(sandbox, SECONDS, browser.browser)]);
    const side = (i: number, figure: (run: ConsoleRun) => number) => median(rounds.map((round) => figure(round[i]!)));
    const [withPage, noPage] = [(figure: (run: ConsoleRun) => number) => side(1, figure), (figure: (run: ConsoleRun) => number) => side(0, figure)];
    const paired = (figure: (x: ConsoleRun, y: ConsoleRun) => number) => median(rounds.map(([a, b]) => figure(b!, a!)));
    const page = (figure: (page: NonNullable<ConsoleRun['page']>) => number) => withPage((run) => figure(run.page!));
    const perSecond = (value: number) => value.toFixed(0);
    printTable(`the timeline under ${PACED_RATE} requests/s through mock-core (an embedding with an API key: a Core and a models event each), the page on #timeline for ${WINDOW_SECONDS} s, medians of ${ROUNDS} rounds (target: main thread busy ≤ 25%)`, [
      ['figure', 'value'],
      ['events shown per second', perSecond(page((p) => p.shownPerSecond))],
      ['events received per second', perSecond(page((p) => p.receivedPerSecond))],
      ['events dropped by the sandbox per second (past a flush\'s 200)', perSecond(page((p) => p.droppedPerSecond))],
      ['events missed per second (the page\'s socket too far behind)', perSecond(page((p) => p.missedPerSecond))],
      ['main thread busy (any task)', percent(page((p) => p.busy))],
      ['  of which scripts', percent(page((p) => p.script))],
      ['  of which layout and style', percent(page((p) => p.layoutAndStyle))],
    ]);
    const micros = (value: number) => `${value.toFixed(0)} µs`;
    const requests = withPage((run) => run.paced.requests);
    printTable(`mock-core with the console open on #timeline beside no page open, in alternating rounds (targets: ≥ 90% of the throughput; ≤ +0.3 ms at p50 at ${PACED_RATE} requests/s)`, [
      ['figure', 'page open', 'no page', 'ratio / added'],
      [`requests/s (closed loops, concurrency ${CONCURRENCY})`, perSecond(withPage((r) => r.closed.perSecond)), perSecond(noPage((r) => r.closed.perSecond)), percent(paired((b, a) => b.closed.perSecond / a.closed.perSecond))],
      [`latency p50 at ${PACED_RATE} requests/s (paced)`, ms(withPage((r) => r.paced.p50)), ms(noPage((r) => r.paced.p50)), added(paired((b, a) => b.paced.p50 - a.paced.p50))],
      [`latency p99 at ${PACED_RATE} requests/s`, ms(withPage((r) => r.paced.p99)), ms(noPage((r) => r.paced.p99)), added(paired((b, a) => b.paced.p99 - a.paced.p99))],
      [`sandbox CPU per request at ${PACED_RATE} requests/s`, micros(withPage((r) => r.cpuPerRequest)), micros(noPage((r) => r.cpuPerRequest)), `${paired((b, a) => b.cpuPerRequest / a.cpuPerRequest).toFixed(2)}×`],
      [`paced requests started over ${(1000 / PACED_RATE).toFixed(0)} ms late (of ${requests.toFixed(0)})`, withPage((r) => r.paced.late).toFixed(0), noPage((r) => r.paced.late).toFixed(0), '—'],
    ]);
  } finally {
    await browser.close();
    await stopSandbox(sandbox);
  }
}

/** BENCH_ONLY=storage or =console: that section alone. */
if (process.env.BENCH_ONLY === 'storage' || process.env.BENCH_ONLY === 'console') {
  await (process.env.BENCH_ONLY === 'storage' ? storageTable() : consoleTables());
  process.exit(0);
}

const models = await startServer('models');
const ceiling = await startServer('ceiling');
const core = await startServer('core', models.url.origin);
// The same mock-core forwarding with undici's Agent instead of its own client: the reason it has its own.
const undiciCore = await startServer('core', models.url.origin, 'undici');
const [embeddedCore, embeddedModels] = await startServers('embedded');
try {
  // Warm-up: JIT and connections, unmeasured.
  await Promise.all([loadOf(models, DIRECT), loadOf(ceiling, DIRECT), loadOf(core, THROUGH_CORE), loadOf(undiciCore, THROUGH_CORE)]);

  process.stdout.write(`\ndial-auth-sandbox benchmarks (${new Date().toISOString()}, Node ${process.version}, ${SECONDS} s per load run, medians of ${ROUNDS} rounds; ratios and added latencies: medians of each round's own)\n`);
  const modelsTtfc = await timeToFirstChunk(models, DIRECT);
  if (!ONLY_CORE) {
    const [modelsLoad, ceilingLoad, modelsVsCeiling] = await sideBySide(() => measure(models, DIRECT), () => measure(ceiling, DIRECT));
    const ceilingTtfc = await timeToFirstChunk(ceiling, `${DIRECT}?stream`);
    printTable('mock-models beside a minimal node:http server (the ceiling)', [
      ['figure', 'mock-models', 'node:http ceiling', 'ratio'],
      [`non-streaming requests/s (concurrency ${CONCURRENCY})`, modelsLoad.perSecond.toFixed(0), ceilingLoad.perSecond.toFixed(0), `${modelsVsCeiling.ratio.toFixed(2)}×`],
      [`streaming time to first chunk, p50 (${STREAM_SAMPLES} requests)`, ms(modelsTtfc.p50), ms(ceilingTtfc.p50), ratio(modelsTtfc.p50, ceilingTtfc.p50)],
      ['streaming time to first chunk, p99', ms(modelsTtfc.p99), ms(ceilingTtfc.p99), ratio(modelsTtfc.p99, ceilingTtfc.p99)],
    ]);
  }

  // Each round: through mock-core with its own client, direct, then with undici's; each beside that round's direct run.
  const rounds = await inRounds([() => measure(core, THROUGH_CORE, [core.process, models.process]), () => measure(models, DIRECT, [models.process]), () => measure(undiciCore, THROUGH_CORE, [undiciCore.process, models.process])]);
  const [throughCore, direct, throughUndici] = [sideOf(rounds, 0), sideOf(rounds, 1), sideOf(rounds, 2)];
  const [throughVsDirect, undiciVsDirect] = [comparisonOf(rounds, 0, 1), comparisonOf(rounds, 2, 1)];
  const steady = await inTurns(() => steadyLoadOf(core, THROUGH_CORE), () => steadyLoadOf(models, DIRECT));
  const coreTtfc = await timeToFirstChunk(core, THROUGH_CORE);
  const undiciTtfc = await timeToFirstChunk(undiciCore, THROUGH_CORE);
  const micros = (value: number) => `${value.toFixed(0)} µs`;
  printTable("a chat completion through mock-core (with its own HTTP client; with undici's) beside the same call straight to mock-models (target: ≥ 70% of direct throughput, ≤ 1 ms added at p50)", [
    ['figure', 'through mock-core', 'through, undici', 'direct', 'ratio / added', 'undici: ratio / added'],
    [`requests/s (concurrency ${CONCURRENCY})`, throughCore.perSecond.toFixed(0), throughUndici.perSecond.toFixed(0), direct.perSecond.toFixed(0), percent(throughVsDirect.ratio), percent(undiciVsDirect.ratio)],
    ['latency p50 under that load', ms(throughCore.p50), ms(throughUndici.p50), ms(direct.p50), added(throughVsDirect.addedP50), added(undiciVsDirect.addedP50)],
    ['latency p99 under that load', ms(throughCore.p99), ms(throughUndici.p99), ms(direct.p99), added(throughVsDirect.addedP99), added(undiciVsDirect.addedP99)],
    [`latency p50 at a steady ${STEADY_RATE} requests/s (nothing queued)`, ms(median(steady.map(([through]) => through.p50))), '—', ms(median(steady.map(([, straight]) => straight.p50))), added(median(steady.map(([through, straight]) => through.p50 - straight.p50))), '—'],
    ['streaming time to first chunk, p50', ms(coreTtfc.p50), ms(undiciTtfc.p50), ms(modelsTtfc.p50), added(coreTtfc.p50 - modelsTtfc.p50), added(undiciTtfc.p50 - modelsTtfc.p50)],
    ['streaming time to first chunk, p99', ms(coreTtfc.p99), ms(undiciTtfc.p99), ms(modelsTtfc.p99), added(coreTtfc.p99 - modelsTtfc.p99), added(undiciTtfc.p99 - modelsTtfc.p99)],
    // What each process spends, whatever the machine's core count: mock-core's share is the forwarding itself.
    ['CPU per request: mock-core (through) beside mock-models (direct)', micros(throughCore.cpu[0]!), micros(throughUndici.cpu[0]!), micros(direct.cpu[0]!), ratio(throughCore.cpu[0]!, direct.cpu[0]!), ratio(throughUndici.cpu[0]!, direct.cpu[0]!)],
  ]);
  if (!ONLY_CORE) {
    // The same calls by a user with a JWT, as DIAL Chat makes them: what token validation adds to an API key.
    const [withJwt, withKey, jwtVsKey] = await sideBySide(() => measure(core, THROUGH_CORE, [core.process], USER_HEADERS), () => measure(core, THROUGH_CORE, [core.process]));
    printTable("through mock-core: a user's RS256 JWT beside an API key", [
      ['figure', 'JWT', 'API key', 'ratio'],
      [`requests/s (concurrency ${CONCURRENCY})`, withJwt.perSecond.toFixed(0), withKey.perSecond.toFixed(0), percent(jwtVsKey.ratio)],
      ['mock-core CPU per request', micros(withJwt.cpu[0]!), micros(withKey.cpu[0]!), ratio(withJwt.cpu[0]!, withKey.cpu[0]!)],
    ]);

    // As `npm start` runs them: both in one process, so the machine's cores are not split three ways.
    await Promise.all([loadOf(embeddedModels!, DIRECT), loadOf(embeddedCore!, THROUGH_CORE)]);
    const [embeddedThrough, embeddedDirect, embeddedVsDirect] = await sideBySide(() => measure(embeddedCore!, THROUGH_CORE), () => measure(embeddedModels!, DIRECT));
    printTable('the same, with mock-core and mock-models in one process (the embedded target)', [
      ['figure', 'through mock-core', 'direct', 'ratio / added'],
      [`requests/s (concurrency ${CONCURRENCY})`, embeddedThrough.perSecond.toFixed(0), embeddedDirect.perSecond.toFixed(0), percent(embeddedVsDirect.ratio)],
      ['latency p50 under that load', ms(embeddedThrough.p50), ms(embeddedDirect.p50), added(embeddedVsDirect.addedP50)],
      ['latency p99 under that load', ms(embeddedThrough.p99), ms(embeddedDirect.p99), added(embeddedVsDirect.addedP99)],
    ]);
  }
} finally {
  for (const server of [models, ceiling, core, undiciCore, embeddedCore!]) server.process.kill();
}

// The sandbox as a whole beside oauth2-mock-server, measured the same way.
if (!ONLY_CORE) {
  const starts = await inTurns(() => coldStart(spawnSandbox), () => coldStart(spawnOauth2MockServer));
  const sandbox = await spawnSandbox();
  const mock = await spawnOauth2MockServer();
  try {
    await healthy(sandbox.health);
    const idle = rssMiB(sandbox.process.pid!);
    const clientCredentials = { grant_type: 'client_credentials', client_id: 'ci-runner', client_secret: 'ci-runner-secret', audience: 'dial-api' };
    const password = { grant_type: 'password', client_id: 'dial-chat', client_secret: 'dial-chat-secret', username: 'alice@example.com', password: 'alice', audience: 'dial-api' };
    // oauth2-mock-server authenticates no client and runs no Action: the same requests, less the work.
    const mockClientCredentials = { grant_type: 'client_credentials', client_id: 'ci-runner', aud: 'dial-api' };
    const mockPassword = { grant_type: 'password', username: 'alice@example.com', password: 'alice' };
    await grantsPerSecond(`${sandbox.idpUrl}/oauth/token`, password, 1); // warm-up
    await grantsPerSecond(`${mock.idpUrl}/token`, mockPassword, 1);
    const rows = [
      ['figure', 'dial-auth-sandbox', 'oauth2-mock-server', 'ratio'],
      pairedRow('cold start: spawn → every health check answers', starts, ms),
    ];
    for (const [name, ours, theirs] of [['client_credentials grants/s (concurrency 32)', clientCredentials, mockClientCredentials], ['password grants/s (concurrency 32, Actions run)', password, mockPassword]] as const) {
      const runs = await inTurns(() => grantsPerSecond(`${sandbox.idpUrl}/oauth/token`, ours, SECONDS), () => grantsPerSecond(`${mock.idpUrl}/token`, theirs, SECONDS));
      rows.push(pairedRow(name, runs, (value) => value.toFixed(0)));
    }
    printTable('the sandbox beside oauth2-mock-server (targets: cold start ≤ 2× while running three services; grants/s ≥ 1.0×)', rows);

    await Promise.all([
      grantsPerSecond(`${sandbox.idpUrl}/oauth/token`, password, SOAK_SECONDS),
      grantsPerSecond(`${sandbox.idpUrl}/oauth/token`, clientCredentials, SOAK_SECONDS),
    ]);
    const loaded = rssMiB(sandbox.process.pid!);
    const actions = actionProcessesRssMiB(sandbox.process.pid!);
    const e2e = await e2eWallTime();
    printTable('the sandbox itself', [
      ['figure', 'value'],
      ['RSS idle, after start', `${idle.toFixed(0)} MiB`],
      [`RSS after ${SOAK_SECONDS} s of grants at concurrency 64`, `${loaded.toFixed(0)} MiB`],
      ["RSS of the Actions' processes then (each Action runs in processes of its own)", `${actions.toFixed(0)} MiB`],
      ['e2e suite wall time (embedded target, incl. vitest start)', `${e2e.toFixed(1)} s`],
    ]);
  } finally {
    sandbox.process.kill();
    mock.process.kill();
  }
}

// A Management API write's cost must not grow with the directory (each is one journal append and fdatasync).
if (!ONLY_CORE) {
  const runs = await inTurns(() => userCreateLatency(100), () => userCreateLatency(10_000));
  const row = (name: string, figure: 'p50' | 'p99') => [name, ms(median(runs.map(([small]) => small[figure]))), ms(median(runs.map(([, large]) => large[figure]))), `${median(runs.map(([small, large]) => large[figure] / small[figure])).toFixed(2)}×`];
  printTable('Management API: a user create, one at a time, as the directory grows (target: 10,000 users within 1.5× of 100)', [
    ['figure', '100 users', '10,000 users', 'ratio'],
    row('write latency p50', 'p50'),
    row('write latency p99', 'p99'),
  ]);
}

// The storage API as DIAL Chat uses it.
if (!ONLY_CORE) await storageTable();

// The web console beside the sandbox it watches.
if (!ONLY_CORE) await consoleTables();
