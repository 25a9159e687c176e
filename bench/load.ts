/**
 * The load generator, built as wrk is: keep-alive connections that each send one request, prebuilt as bytes,
 * as soon as the previous answer is in, and read answers with no more parsing than framing needs (the status
 * code, then Content-Length or chunked framing). On a 2-core machine the load generator shares the cores with
 * the servers under test, so what it spends per request is taken from them: node:http's client spent ~58 µs
 * per request here, this one spends a fraction of that.
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
}

/** Requests/s and latency percentiles (ms) of `connections` closed loops for `seconds`; any non-200 fails it. */
export async function load(options: LoadOptions): Promise<LoadResult> {
  const requestFor = (path: string) => {
    const head = [`${options.method ?? 'POST'} ${path} HTTP/1.1`, `host: ${options.url.host}`, 'connection: keep-alive', `content-length: ${Buffer.byteLength(options.body)}`];
    for (const [name, value] of Object.entries(options.headers)) head.push(`${name}: ${value}`);
    return Buffer.from(`${head.join('\r\n')}\r\n\r\n${options.body}`);
  };
  const paths = options.paths ?? [options.path];
  const requests = paths.map(requestFor);
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
    const socket = net.connect({ host: url.hostname, port: Number(url.port), noDelay: true });
    const answer = new AnswerReader();
    let sentAt = 0;
    const send = () => {
      sentAt = performance.now();
      socket.write(request);
    };
    socket.once('connect', send);
    socket.on('data', (chunk: Buffer) => {
      const status = answer.read(chunk);
      if (status === undefined) return;
      if (status !== 200) return socket.destroy(new Error(`${url.origin}: answered ${status}`));
      latencies.push(performance.now() - sentAt);
      if (more()) send();
      else socket.end(resolve);
    });
    socket.on('error', reject);
  });
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
