/**
 * The load generator, built as wrk is: keep-alive connections that each send one request, prebuilt as bytes,
 * as soon as the previous answer is in, and read answers with no more parsing than framing needs (the status
 * code, then Content-Length or chunked framing). On a 2-core machine the load generator shares the cores with
 * the servers under test, so what it spends per request is taken from them: node:http's client spent ~58 µs
 * per request here, this one spends a fraction of that.
 *
 * Closed loops find a server's most; an open loop (ratePerSecond) holds a given rate whatever the answers
 * take, as wrk2 does: a steady load's latency, and what else the server spends on it, at a rate it can keep.
 */
import net from 'node:net';

export interface LoadResult {
  requests: number;
  perSecond: number;
  p50: number;
  p99: number;
}

export interface LoadOptions {
  url: URL;
  path: string;
  /** POST by default. */
  method?: string;
  /** Each connection its own path (connection i takes paths[i % length]) instead of `path`. */
  paths?: string[];
  headers: Record<string, string>;
  body: string;
  connections: number;
  seconds: number;
  /** Stops early once this many answers are in. */
  maxRequests?: number;
  /**
   * Paced instead of closed loops: request i starts at t0 + i/rate on any free connection (waiting for one
   * when all are busy: a late start), for `seconds`; `connections` is then how many may be busy at once.
   */
  ratePerSecond?: number;
}

export interface PacedResult extends LoadResult {
  /** Requests that started more than one interval (1/rate) after their time: the rate was not held. */
  late: number;
}

/** Requests/s and latency percentiles (ms) of `connections` closed loops for `seconds`; any non-200 fails it. */
export async function load(options: LoadOptions & { ratePerSecond?: undefined }): Promise<LoadResult>;
/** The same at a paced rate, with the late starts counted. */
export async function load(options: LoadOptions & { ratePerSecond: number }): Promise<PacedResult>;
export async function load(options: LoadOptions): Promise<LoadResult | PacedResult> {
  const requestFor = (path: string) => {
    const head = [`${options.method ?? 'POST'} ${path} HTTP/1.1`, `host: ${options.url.host}`, 'connection: keep-alive', `content-length: ${Buffer.byteLength(options.body)}`];
    for (const [name, value] of Object.entries(options.headers)) head.push(`${name}: ${value}`);
    return Buffer.from(`${head.join('\r\n')}\r\n\r\n${options.body}`);
  };
  const paths = options.paths ?? [options.path];
  const requests = paths.map(requestFor);
  if (options.ratePerSecond) return paced(options, requests, options.ratePerSecond);
  const latencies: number[] = [];
  const deadline = performance.now() + options.seconds * 1000;
  const maxRequests = options.maxRequests ?? 1_000_000;
  const started = performance.now();
  await Promise.all(Array.from({ length: options.connections }, (_, i) => connectionLoop(options.url, requests[i % requests.length]!, latencies, () => performance.now() < deadline && latencies.length < maxRequests)));
  const elapsed = (performance.now() - started) / 1000;
  return { requests: latencies.length, perSecond: latencies.length / elapsed, ...percentiles(latencies) };
}

export function percentiles(samples: number[]): { p50: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: sorted[Math.floor(sorted.length / 2)]!, p99: sorted[Math.floor(sorted.length * 0.99)]! };
}

/** One connection's closed loop: send, read the whole answer, record its latency, send again while `more()`. */
function connectionLoop(url: URL, request: Buffer, latencies: number[], more: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    let sentAt = 0;
    const send = () => {
      sentAt = performance.now();
      connection.socket.write(request);
    };
    const connection = connect(url, () => {
      latencies.push(performance.now() - sentAt);
      if (more()) send();
      else connection.socket.end(resolve);
    }, reject);
    connection.socket.once('connect', send);
  });
}

/** A keep-alive connection that calls `answered` after each whole 200 answer, and `failed` on anything else. */
function connect(url: URL, answered: () => void, failed: (error: Error) => void): { socket: net.Socket } {
  const socket = net.connect({ host: url.hostname, port: Number(url.port), noDelay: true });
  const answer = new AnswerReader();
  socket.on('data', (chunk: Buffer) => {
    const status = answer.read(chunk);
    if (status === undefined) return;
    if (status !== 200) return socket.destroy(new Error(`${url.origin}: answered ${status}`));
    answered();
  });
  socket.on('error', failed);
  return { socket };
}

/**
 * The open loop: a timer releases each request at its time to the connection free longest (connection j
 * sends requests[j % length]), or queues it until one is free. Taken in turn, no connection idles long
 * enough for the server's keep-alive timeout to close it (a close fails the run). Latency runs from the
 * request's write, as the closed loops' does; `late` says whether the queue ever held one past the next's time.
 */
async function paced(options: LoadOptions, requests: Buffer[], rate: number): Promise<PacedResult> {
  const interval = 1000 / rate;
  const total = Math.min(Math.floor(options.seconds * rate), options.maxRequests ?? 1_000_000);
  const latencies: number[] = [];
  let late = 0;
  let failure: Error | undefined;
  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));
  interface Paced { socket: net.Socket; request: Buffer; sentAt: number }
  const free: Paced[] = [];
  const waiting: number[] = [];
  let t0 = 0;
  let ending = false;
  const start = (connection: Paced, i: number) => {
    connection.sentAt = performance.now();
    if (connection.sentAt - (t0 + i * interval) > interval) late++;
    connection.socket.write(connection.request);
  };
  const fail = (error: Error) => {
    failure ??= error;
    finished();
  };
  const connections = await Promise.all(Array.from({ length: options.connections }, (_, j) => new Promise<Paced>((ready, refused) => {
    const connection: Paced = { socket: undefined!, request: requests[j % requests.length]!, sentAt: 0 };
    connection.socket = connect(options.url, () => {
      latencies.push(performance.now() - connection.sentAt);
      if (latencies.length === total) return finished();
      const next = waiting.shift();
      if (next === undefined) free.push(connection);
      else start(connection, next);
    }, (error) => (t0 ? fail(error) : refused(error))).socket;
    connection.socket.once('connect', () => ready(connection));
    connection.socket.once('close', () => ending || fail(new Error(`${options.url.origin}: closed a connection of the paced load`)));
  })));
  free.push(...connections);
  let next = 0;
  let timer: NodeJS.Timeout | undefined;
  const release = () => {
    const now = performance.now();
    for (; next < total && t0 + next * interval <= now; next++) {
      const connection = free.shift();
      if (connection) start(connection, next);
      else waiting.push(next);
    }
    if (next < total) timer = setTimeout(release, t0 + next * interval - performance.now());
  };
  t0 = performance.now();
  release();
  await done;
  ending = true;
  clearTimeout(timer);
  const elapsed = (performance.now() - t0) / 1000;
  for (const connection of connections) connection.socket.destroy();
  if (failure) throw failure;
  return { requests: latencies.length, perSecond: latencies.length / elapsed, late, ...percentiles(latencies) };
}

const HEADER_END = Buffer.from('\r\n\r\n');
const CHUNKED_END = Buffer.from('0\r\n\r\n');

/** Frames HTTP/1.1 answers arriving in pieces; one answer at a time (no pipelining). */
class AnswerReader {
  #pending: Buffer = Buffer.alloc(0);
  #status = 0;
  /** Body bytes still to come, or -1 for a chunked body (ends with an empty chunk). */
  #remaining: number | undefined;

  /** Feeds bytes in; the answer's status once the whole answer is in, else undefined. */
  read(chunk: Buffer): number | undefined {
    this.#pending = this.#pending.length ? Buffer.concat([this.#pending, chunk]) : chunk;
    if (this.#remaining === undefined) {
      const end = this.#pending.indexOf(HEADER_END);
      if (end < 0) return undefined;
      const head = this.#pending.toString('latin1', 0, end);
      this.#status = Number(head.slice(9, 12));
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      this.#remaining = length ? Number(length[1]) : /\r\ntransfer-encoding:\s*chunked/i.test(head) ? -1 : 0;
      this.#pending = this.#pending.subarray(end + HEADER_END.length);
    }
    const complete = this.#remaining < 0 ? this.#pending.subarray(-CHUNKED_END.length).equals(CHUNKED_END) : this.#pending.length >= this.#remaining;
    if (!complete) return undefined;
    this.#pending = Buffer.alloc(0);
    this.#remaining = undefined;
    return this.#status;
  }
}
