/**
 * One keep-alive connection of the hand-written client (http1-client.ts): Core's connect and idle timeouts on
 * its socket, the upstream's Keep-Alive hint, a request written in one go, its answer read by a Framer
 * (http1-framer.ts) and handed on, held back while the caller cannot take more.
 */
import type net from 'node:net';

import { UpstreamError, type ClientTimeouts, type ResponseHandler, type UpstreamCall } from './client.ts';
import { Framer } from './http1-framer.ts';

/** A connection the upstream announced it keeps for N seconds is not reused in its last second (a request could cross its closing). */
const KEEP_ALIVE_MARGIN_MS = 1000;

/** What a connection tells its pool. */
export interface PoolHooks {
  /** Free for another request. */
  idle(): void;
  /** Closed for good. */
  gone(): void;
}

/** One keep-alive connection: one request at a time (no pipelining), its answer read by a Framer. */
export class Connection {
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
