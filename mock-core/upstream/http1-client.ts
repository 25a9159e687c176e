/**
 * Core's HTTP client to upstreams: HTTP/1.1 over keep-alive connections kept per origin (http, or https with
 * the system's and NODE_EXTRA_CA_CERTS' authorities trusted, as Core's JVM truststore). A request goes out
 * in one write; the answer is framed as RFC 9112 §6 says (Content-Length, chunked, or until the connection
 * closes) and handed on piece by piece as it arrives, never buffered.
 *
 * Why not undici or node:http's client: this is the hottest path of a forwarded call, and a client that
 * knows its one caller does less. A bare node:http proxy cost ~70 µs of CPU a call forwarding with undici
 * and ~57 µs with a raw keep-alive client (undici validates each request, calls back from its wasm parser,
 * and waits one event-loop turn before reusing a connection); node:http's client cost mock-core ~45 µs more
 * than undici did. Measured in alternating runs on the 2-core machine `npm run bench` was built on.
 */
import net from 'node:net';
import tls from 'node:tls';

import { FORBIDDEN_IN_HEADERS, UpstreamError, type ClientTimeouts, type ResponseHandler, type Target, type UpstreamCall, type UpstreamClient } from './client.ts';

/** Vert.x's default limit for an answer's headers (HttpClientOptions.DEFAULT_MAX_HEADER_SIZE). */
const MAX_HEAD_BYTES = 8192;
/** A connection the upstream announced it keeps for N seconds is not reused in its last second (a request could cross its closing). */
const KEEP_ALIVE_MARGIN_MS = 1000;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Anything but HTAB, visible ASCII, space and obs-text (what node:http also lets through in a header value). */
const NOT_FIELD_TEXT = /[^\t\x20-\x7e\x80-\xff]/;
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: .*)?$/;

export class Http1Client implements UpstreamClient {
  readonly #timeouts: ClientTimeouts;
  /** Idle connections per origin, the most recently used last. */
  readonly #idle = new Map<string, Connection[]>();
  readonly #open = new Set<Connection>();
  #closed = false;

  constructor(timeouts: ClientTimeouts) {
    this.#timeouts = timeouts;
  }

  /**
   * POSTs `body` to `path` (and query) on the target with `headers` (flat: name, value, …); Host and
   * Content-Length are added. Throws, before sending anything, on a header value no HTTP/1.1 message can carry.
   */
  post(target: Target, path: string, headers: readonly string[], body: Buffer, handler: ResponseHandler): UpstreamCall {
    if (this.#closed) throw new Error('the upstream client is closed');
    let head = `POST ${path} HTTP/1.1\r\nhost: ${target.host}\r\ncontent-length: ${body.length}\r\n`;
    for (let i = 0; i < headers.length; i += 2) {
      if (FORBIDDEN_IN_HEADERS.test(headers[i + 1]!)) throw new Error(`header ${headers[i]} has a line break or NUL in its value`);
      head += `${headers[i]}: ${headers[i + 1]}\r\n`;
    }
    const connection = this.#takeIdle(target.origin) ?? this.#connect(target);
    return connection.send(`${head}\r\n`, body, handler);
  }

  /** Closes every connection; calls under way end with CLOSED. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const connection of this.#open) connection.destroy();
    this.#idle.clear();
  }

  #takeIdle(origin: string): Connection | undefined {
    const idle = this.#idle.get(origin);
    while (idle?.length) {
      const connection = idle.pop()!;
      if (connection.fresh()) return connection;
      connection.destroy();
    }
    return undefined;
  }

  #connect(target: Target): Connection {
    const options = { host: target.hostname, port: target.port, noDelay: true };
    const socket = target.secure
      ? tls.connect({ ...options, servername: net.isIP(target.hostname) ? undefined : target.hostname })
      : net.connect(options);
    const connection = new Connection(socket, target.secure, this.#timeouts, {
      idle: () => this.#release(target.origin, connection),
      gone: () => this.#forget(target.origin, connection),
    });
    this.#open.add(connection);
    return connection;
  }

  #release(origin: string, connection: Connection): void {
    if (this.#closed) return connection.destroy();
    let idle = this.#idle.get(origin);
    if (!idle) this.#idle.set(origin, (idle = []));
    idle.push(connection);
  }

  #forget(origin: string, connection: Connection): void {
    this.#open.delete(connection);
    const idle = this.#idle.get(origin);
    const at = idle?.indexOf(connection) ?? -1;
    if (at >= 0) idle!.splice(at, 1);
  }
}

/** What a connection tells its pool. */
interface PoolHooks {
  /** Free for another request. */
  idle(): void;
  /** Closed for good. */
  gone(): void;
}

/** One keep-alive connection: one request at a time (no pipelining), its answer read by a Framer. */
class Connection {
  readonly #socket: net.Socket;
  readonly #framer = new Framer();
  readonly #pool: PoolHooks;
  readonly #idleMs: number;
  #connected = false;
  #handler: ResponseHandler | undefined;
  /** Reading is held back for a caller that cannot take more yet. */
  #paused = false;
  /** When the upstream's Keep-Alive hint says this connection stops being safe to reuse (ms since epoch). */
  #reusableUntil = Infinity;

  constructor(socket: net.Socket, secure: boolean, timeouts: ClientTimeouts, pool: PoolHooks) {
    this.#socket = socket;
    this.#pool = pool;
    this.#idleMs = timeouts.idleMs;
    socket.setTimeout(timeouts.connectMs);
    socket.once(secure ? 'secureConnect' : 'connect', () => {
      this.#connected = true;
      socket.setTimeout(timeouts.idleMs);
    });
    socket.on('timeout', () =>
      this.#fail(this.#connected ? new UpstreamError('IDLE_TIMEOUT', `no answer for ${this.#idleMs} ms`) : new UpstreamError('CONNECT_TIMEOUT', `not connected in ${timeouts.connectMs} ms`)),
    );
    socket.on('data', (chunk: Buffer) => this.#read(chunk));
    socket.on('end', () => {
      // An answer without length or chunking ends where the connection does.
      if (this.#handler && this.#framer.endsAtClose()) this.#finish(false);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => this.#fail(new UpstreamError(error.code ?? 'ECONNRESET', error.message)));
    socket.on('close', () => {
      this.#fail(new UpstreamError('CLOSED', 'the upstream closed the connection before its answer ended'));
      this.#pool.gone();
    });
  }

  /** Whether it may take another request: still open, and not past the upstream's Keep-Alive timeout. */
  fresh(): boolean {
    return !this.#socket.destroyed && Date.now() < this.#reusableUntil;
  }

  send(head: string, body: Buffer, handler: ResponseHandler): UpstreamCall {
    this.#handler = handler;
    this.#socket.ref();
    // One write: the head and a small body together, a large body beside it without a copy.
    if (body.length <= 16 * 1024) {
      const bytes = Buffer.allocUnsafe(head.length + body.length); // latin1: a byte per character
      body.copy(bytes, bytes.write(head, 'latin1'));
      this.#socket.write(bytes);
    } else {
      this.#socket.cork();
      this.#socket.write(head, 'latin1');
      this.#socket.write(body);
      this.#socket.uncork();
    }
    return {
      resume: () => {
        if (this.#handler === handler) this.#resume();
      },
      abort: () => {
        if (this.#handler !== handler) return;
        this.#handler = undefined;
        this.destroy();
      },
    };
  }

  destroy(): void {
    this.#socket.destroy();
  }

  #read(chunk: Buffer): void {
    const handler = this.#handler;
    if (!handler) return this.destroy(); // bytes nobody asked for: the connection cannot be trusted again
    try {
      this.#framer.read(chunk, {
        start: (status, headers) => {
          this.#noteKeepAlive(headers);
          handler.onResponseStart(status, headers);
        },
        data: (piece) => {
          if (this.#handler === handler && !handler.onResponseData(piece)) {
            this.#paused = true;
            this.#socket.pause();
          }
        },
        end: (reusable) => this.#finish(reusable),
      });
    } catch (error) {
      if (!(error instanceof UpstreamError)) throw error;
      this.#fail(error);
    }
  }

  #noteKeepAlive(headers: readonly string[]): void {
    for (let i = 0; i < headers.length; i += 2) {
      if (headers[i] !== 'keep-alive') continue;
      const seconds = /(?:^|[\s,])timeout=(\d+)/.exec(headers[i + 1]!)?.[1];
      if (seconds) this.#reusableUntil = Date.now() + Number(seconds) * 1000 - KEEP_ALIVE_MARGIN_MS;
    }
  }

  #resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#socket.resume();
  }

  #finish(reusable: boolean): void {
    const handler = this.#handler!;
    this.#handler = undefined;
    if (reusable && !this.#socket.destroyed) {
      this.#resume();
      this.#socket.unref();
      this.#pool.idle();
    } else {
      this.destroy();
    }
    handler.onResponseEnd();
  }

  #fail(error: UpstreamError): void {
    const handler = this.#handler;
    this.#handler = undefined;
    this.destroy();
    handler?.onResponseError(error);
  }
}

/** Where the Framer hands what it found. */
interface FramerSink {
  start(status: number, headers: string[]): void;
  data(piece: Buffer): void;
  /** The answer is complete; `reusable`: the connection may carry another request. */
  end(reusable: boolean): void;
}

type FramerState = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'until-close';

/** Frames one HTTP/1.1 answer at a time from a connection's bytes (RFC 9112 §4–§7). */
export class Framer {
  #state: FramerState = 'head';
  /** Bytes of an unfinished head or line, kept until the rest arrives. */
  #pending: Buffer | undefined;
  /** Body bytes left: of the Content-Length, or of the current chunk. */
  #remaining = 0;
  #keepAlive = false;
  /** The answer is in: the read ends here and tells the sink. */
  #complete = false;

  /** Whether the answer being read runs to the end of the connection. */
  endsAtClose(): boolean {
    return this.#state === 'until-close';
  }

  /** Feeds bytes in; throws UpstreamError on anything RFC 9112 does not allow. */
  read(chunk: Buffer, sink: FramerSink): void {
    let at = 0;
    while (at < chunk.length && !this.#complete) {
      switch (this.#state) {
        case 'head': {
          const end = this.#lineEnd(chunk, at, '\r\n\r\n', MAX_HEAD_BYTES);
          if (end === undefined) return;
          at = end.next;
          this.#startBody(end.text, sink);
          break;
        }
        case 'length':
        case 'chunk-data': {
          const take = Math.min(this.#remaining, chunk.length - at);
          sink.data(at === 0 && take === chunk.length ? chunk : chunk.subarray(at, at + take));
          at += take;
          this.#remaining -= take;
          if (this.#remaining > 0) break;
          if (this.#state === 'length') this.#complete = true;
          else this.#state = 'chunk-end';
          break;
        }
        case 'chunk-end': {
          const end = this.#lineEnd(chunk, at, '\r\n', 2);
          if (end === undefined) return;
          if (end.text !== '') throw bad('a chunk longer than its size');
          at = end.next;
          this.#state = 'chunk-size';
          break;
        }
        case 'chunk-size': {
          const end = this.#lineEnd(chunk, at, '\r\n', 1024);
          if (end === undefined) return;
          at = end.next;
          const size = /^([0-9a-fA-F]{1,12})[ \t]*(?:;.*)?$/.exec(end.text)?.[1];
          if (size === undefined) throw bad(`a chunk size of "${end.text.slice(0, 40)}"`);
          this.#remaining = Number.parseInt(size, 16);
          this.#state = this.#remaining === 0 ? 'trailers' : 'chunk-data';
          break;
        }
        case 'trailers': {
          const end = this.#lineEnd(chunk, at, '\r\n', MAX_HEAD_BYTES);
          if (end === undefined) return;
          at = end.next;
          if (end.text === '') this.#complete = true; // trailer fields themselves are not relayed, as Core
          break;
        }
        case 'until-close':
          sink.data(at === 0 ? chunk : chunk.subarray(at));
          return;
      }
    }
    if (this.#complete) {
      this.#complete = false;
      this.#state = 'head';
      // Bytes after the answer were never asked for (no pipelining): the connection is not to be trusted again.
      sink.end(this.#keepAlive && at === chunk.length);
    }
  }

  /**
   * The text before `terminator` (latin1) and the offset after it, gathering bytes across reads; undefined
   * until the terminator arrives. Throws past `limit` bytes.
   */
  #lineEnd(chunk: Buffer, at: number, terminator: string, limit: number): { text: string; next: number } | undefined {
    const pending = this.#pending;
    if (pending === undefined) {
      const end = chunk.indexOf(terminator, at, 'latin1');
      if (end >= 0 && end - at <= limit) return { text: chunk.toString('latin1', at, end), next: end + terminator.length };
      if (end >= 0 || chunk.length - at > limit) throw bad(`more than ${limit} bytes without the end of a line`);
      this.#pending = Buffer.from(chunk.subarray(at));
      return undefined;
    }
    // The terminator may straddle the two reads: search from a little before the join.
    const joined = Buffer.concat([pending, chunk.subarray(at)]);
    const end = joined.indexOf(terminator, Math.max(0, pending.length - terminator.length + 1), 'latin1');
    if (end < 0 || end > limit) {
      if (end > limit || joined.length > limit) throw bad(`more than ${limit} bytes without the end of a line`);
      this.#pending = joined;
      return undefined;
    }
    this.#pending = undefined;
    return { text: joined.toString('latin1', 0, end), next: at + end + terminator.length - pending.length };
  }

  /** Reads a head; for a final (non-1xx) answer, tells the sink and decides how the body is framed. */
  #startBody(head: string, sink: FramerSink): void {
    let lineEnd = head.indexOf('\r\n');
    if (lineEnd < 0) lineEnd = head.length;
    const statusLine = STATUS_LINE.exec(head.slice(0, lineEnd));
    if (!statusLine) throw bad(`a status line of "${head.slice(0, Math.min(lineEnd, 40))}"`);
    const status = Number(statusLine[2]);
    if (status < 100) throw bad(`a status of ${statusLine[2]}`);
    const headers: string[] = [];
    let contentLength: string | undefined;
    let chunked = false;
    const connection: string[] = [];
    for (let at = lineEnd + 2; at < head.length; at = lineEnd + 2) {
      lineEnd = head.indexOf('\r\n', at);
      if (lineEnd < 0) lineEnd = head.length;
      const colon = head.indexOf(':', at);
      // A name that is not a token (whitespace before the colon, a folded line…): refused (RFC 9112 §5).
      if (colon < 0 || colon > lineEnd || !TOKEN.test(head.slice(at, colon))) throw bad(`a header line of "${head.slice(at, Math.min(lineEnd, at + 40))}"`);
      const name = head.slice(at, colon).toLowerCase();
      const value = withoutOws(head, colon + 1, lineEnd);
      // A control character (a bare CR or LF too) in a value: refused (RFC 9110 §5.5), as a caller could not be sent it.
      if (NOT_FIELD_TEXT.test(value)) throw bad(`a header value of "${value.slice(0, 40)}"`);
      headers.push(name, value);
      if (name === 'content-length') {
        if (!/^\d+$/.test(value) || (contentLength !== undefined && contentLength !== value)) throw bad(`a Content-Length of "${value}"`);
        contentLength = value;
      } else if (name === 'transfer-encoding') {
        chunked = /(?:^|,)\s*chunked\s*$/i.test(value);
      } else if (name === 'connection') {
        for (const token of value.toLowerCase().split(',')) connection.push(token.trim());
      }
    }
    if (status < 200) return; // 1xx: the real answer follows on the same connection
    this.#keepAlive = statusLine[1] === '1' ? !connection.includes('close') : connection.includes('keep-alive');
    sink.start(status, headers);
    if (chunked) {
      this.#state = 'chunk-size';
    } else if (status === 204 || status === 304) {
      this.#complete = true;
    } else if (contentLength !== undefined) {
      this.#remaining = Number(contentLength);
      this.#state = 'length';
      if (this.#remaining === 0) this.#complete = true;
    } else {
      this.#state = 'until-close';
    }
  }

}

/** head[from, to) without the optional whitespace (SP, HTAB) around a field value. */
function withoutOws(head: string, from: number, to: number): string {
  while (from < to && (head.charCodeAt(from) === 32 || head.charCodeAt(from) === 9)) from++;
  while (to > from && (head.charCodeAt(to - 1) === 32 || head.charCodeAt(to - 1) === 9)) to--;
  return head.slice(from, to);
}

const bad = (what: string) => new UpstreamError('BAD_RESPONSE', `the upstream's answer is not HTTP/1.1: ${what}`);
