/**
 * `npm run bench`: mock-models beside the ceiling (a minimal node:http server) in the same run, as ratios.
 * Each server runs in its own process; the load comes from this one. Loops are bounded in time and count,
 * and every request goes to 127.0.0.1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = 32;
const STREAM_SAMPLES = 300;
const CHAT = JSON.stringify({ messages: [{ role: 'user', content: 'one two three' }] });
const STREAM = JSON.stringify({ messages: [{ role: 'user', content: 'one two three' }], stream: true });
const PATH = '/v1/openai/deployments/gpt-35-turbo/chat/completions';

interface Server {
  url: URL;
  process: ChildProcess;
}

async function startServer(which: 'models' | 'ceiling'): Promise<Server> {
  const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));
  const child = spawn(tsx, [fileURLToPath(new URL('./serve.ts', import.meta.url)), which], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.once('exit', (code) => reject(new Error(`${which} exited with ${code}`)));
  });
  return { url: new URL(url), process: child };
}

function post(agent: http.Agent, url: URL, path: string, body: string, onFirstByte?: () => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ agent, host: url.hostname, port: url.port, path, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-upstream-key': 'modelKey1' } }, (res) => {
      res.once('data', () => onFirstByte?.());
      res.on('data', () => {});
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Completed requests per second at CONCURRENCY, for SECONDS (and at most 10^6 requests). */
async function throughput(server: Server, path: string): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const deadline = performance.now() + SECONDS * 1000;
  let done = 0;
  let failed = 0;
  const worker = async () => {
    while (performance.now() < deadline && done < 1_000_000) {
      if ((await post(agent, server.url, path, CHAT)) === 200) done++;
      else failed++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  agent.destroy();
  if (failed) throw new Error(`${failed} requests failed`);
  return done / ((performance.now() - started) / 1000);
}

/** Time from sending a streaming request to its first body chunk: median and 99th percentile, in ms. */
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
  samples.sort((a, b) => a - b);
  return { p50: samples[Math.floor(samples.length / 2)]!, p99: samples[Math.floor(samples.length * 0.99)]! };
}

const models = await startServer('models');
const ceiling = await startServer('ceiling');
try {
  // Warm both up (JIT, connections) before measuring.
  await Promise.all([throughput(models, PATH), throughput(ceiling, PATH)].map((p) => p.catch(() => 0)));
  const modelsRps = await throughput(models, PATH);
  const ceilingRps = await throughput(ceiling, PATH);
  const modelsTtfc = await timeToFirstChunk(models, PATH);
  const ceilingTtfc = await timeToFirstChunk(ceiling, `${PATH}?stream`);

  const rows = [
    ['figure', 'mock-models', 'node:http ceiling', 'ratio'],
    [`non-streaming requests/s (concurrency ${CONCURRENCY}, ${SECONDS} s)`, modelsRps.toFixed(0), ceilingRps.toFixed(0), `${(modelsRps / ceilingRps).toFixed(2)}×`],
    [`streaming time to first chunk, median (${STREAM_SAMPLES} requests)`, `${modelsTtfc.p50.toFixed(2)} ms`, `${ceilingTtfc.p50.toFixed(2)} ms`, `${(modelsTtfc.p50 / ceilingTtfc.p50).toFixed(2)}×`],
    ['streaming time to first chunk, p99', `${modelsTtfc.p99.toFixed(2)} ms`, `${ceilingTtfc.p99.toFixed(2)} ms`, `${(modelsTtfc.p99 / ceilingTtfc.p99).toFixed(2)}×`],
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => `| ${r.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ')} |`;
  process.stdout.write(`\nmock-models vs a minimal node:http server (${new Date().toISOString()}, Node ${process.version})\n\n`);
  process.stdout.write(`${[line(rows[0]!), line(widths.map((w) => '-'.repeat(w))), ...rows.slice(1).map(line)].join('\n')}\n`);
} finally {
  models.process.kill();
  ceiling.process.kill();
}
