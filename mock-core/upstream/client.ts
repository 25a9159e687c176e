/**
 * What forward.ts needs of Core's HTTP client to upstreams: POST a body, hear the answer piece by piece, hold
 * it back, abort it, and know why it failed in Core's terms (which become its 502 answers).
 */

/** Core's `client.connectTimeout` and `client.idleTimeout`, in ms. */
export interface ClientTimeouts {
  connectMs: number;
  idleMs: number;
}

/** The server requests go to: an endpoint URL's origin, split once. */
export interface Target {
  secure: boolean;
  /** For connecting (an IPv6 address without its brackets). */
  hostname: string;
  port: number;
  /** The Host header: host and port as the URL gives them. */
  host: string;
  /** Connections are kept per origin. */
  origin: string;
}

export function targetOf(url: URL): Target {
  const secure = url.protocol === 'https:';
  if (!secure && url.protocol !== 'http:') throw new Error(`not an http(s) URL: ${url.href}`);
  return {
    secure,
    hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: Number(url.port) || (secure ? 443 : 80),
    host: url.host,
    origin: url.origin,
  };
}

/** What becomes of one request's answer. After onResponseEnd or onResponseError nothing more is called. */
export interface ResponseHandler {
  /** The status and the headers, flat: lower-case name, value, name, value… Informational (1xx) answers are skipped. */
  onResponseStart(status: number, headers: string[]): void;
  /** A piece of the body. False holds the rest back until the call is resumed. */
  onResponseData(chunk: Buffer): boolean;
  onResponseEnd(): void;
  onResponseError(error: UpstreamError): void;
}

/** One request under way. */
export interface UpstreamCall {
  /** Lets held-back body pieces flow again. */
  resume(): void;
  /** Ends the call: its connection is closed and the handler hears nothing more. */
  abort(): void;
}

/**
 * Why a call failed: a socket error's code (ECONNREFUSED, ECONNRESET, a TLS code, …), or CONNECT_TIMEOUT,
 * IDLE_TIMEOUT (silent past client.idleTimeout), CLOSED (the connection ended before the answer did),
 * BAD_RESPONSE (not HTTP/1.x as RFC 9112 frames it).
 */
export class UpstreamError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/** Core's HTTP/1.1 client: keep-alive connections per origin, Core's timeouts. */
export interface UpstreamClient {
  /**
   * POSTs `body` to `path` (and query) on the target with `headers` (flat: name, value, …); Host and
   * Content-Length are added. Throws, before sending anything, on a header value no HTTP/1.1 message can carry.
   */
  post(target: Target, path: string, headers: readonly string[], body: Buffer, handler: ResponseHandler): UpstreamCall;
  /** Closes every connection; calls under way end with CLOSED. */
  close(): Promise<void>;
}

/** CR, LF and NUL end a header line early: a value with one would smuggle lines into the request. */
const FORBIDDEN_IN_HEADERS = /[\r\n\0]/;

/** Refuses a header value that would smuggle lines into the request, before anything is sent. */
export function checkHeaderValue(name: string, value: string): void {
  if (FORBIDDEN_IN_HEADERS.test(value)) throw new Error(`header ${name} has a line break or NUL in its value`);
}
