/**
 * Core's HTTP client to upstreams: HTTP/1.1 over keep-alive connections kept per origin (http, or https with
 * the system's and NODE_EXTRA_CA_CERTS' authorities trusted, as Core's JVM truststore). A request goes out
 * in one write; the answer is framed as RFC 9112 §6 says (Content-Length, chunked, or until the connection
 * closes) and handed on piece by piece as it arrives, never buffered. This file is the pool; a connection is
 * http1-connection.ts, the framing of its answers http1-framer.ts.
 *
 * Why not undici's Agent (undici-client.ts, the same interface): this is the hottest path of a forwarded
 * call, and a client that knows its one caller does less. `npm run bench` runs mock-core with each in the
 * same rounds: with undici's it spends ~27 µs (~20%) more CPU a forwarded call and adds ~1.6 ms at p50
 * under load, over the 1 ms target (README, "How fast"); undici validates each request, calls back from its
 * wasm parser, and waits one event-loop turn before reusing a connection. node:http's client cost mock-core
 * ~45 µs more than undici did.
 */
import net from 'node:net';
import tls from 'node:tls';

import { checkHeaderValue, type ClientTimeouts, type ResponseHandler, type Target, type UpstreamCall, type UpstreamClient } from './client.ts';
import { Connection } from './http1-connection.ts';

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
      checkHeaderValue(headers[i]!, headers[i + 1]!);
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
