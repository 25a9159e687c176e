/** The hand-written client's framing: HTTP/1.1 answers read from a connection's bytes as RFC 9112 frames them. */
import { UpstreamError } from './client.ts';

/** Vert.x's default limit for an answer's headers (HttpClientOptions.DEFAULT_MAX_HEADER_SIZE). */
const MAX_HEAD_BYTES = 8192;
/** A header name's characters (RFC 9110 §5.1's token). */
const TOKEN_CHAR = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]";
/** HTAB, visible ASCII, space and obs-text: what a header value may hold (what node:http also lets through). */
const FIELD_TEXT = '\\t\\x20-\\x7e\\x80-\\xff';
/** A status line: the version, the code, any reason phrase. */
const STATUS = 'HTTP\\/1\\.[01] \\d{3}(?: [^\\r\\n]*)?';
const TOKEN = new RegExp(`^${TOKEN_CHAR}+$`);
const NOT_FIELD_TEXT = new RegExp(`[^${FIELD_TEXT}]`);
const STATUS_LINE = new RegExp(`^${STATUS}$`);
/**
 * A status line, then header lines of a token, a colon and field text (RFC 9112 §4–§5, RFC 9110 §5.5), CRLF
 * between them: the rules of STATUS_LINE, TOKEN and NOT_FIELD_TEXT in one pass over the whole head.
 */
const WELL_FORMED_HEAD = new RegExp(`^${STATUS}(?:\\r\\n${TOKEN_CHAR}+:[${FIELD_TEXT}]*)*$`);

/** A Connection header's tokens, case-insensitive, whitespace around them ignored. */
const CLOSE_TOKEN = /(?:^|,)\s*close\s*(?:,|$)/i;
const KEEP_ALIVE_TOKEN = /(?:^|,)\s*keep-alive\s*(?:,|$)/i;

/** Where the Framer hands what it found. */
export interface FramerSink {
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
    // One test of the whole head; only a head that fails it is read line by line, to say what is wrong.
    if (!WELL_FORMED_HEAD.test(head)) throw malformation(head);
    const status = Number(head.slice(9, 12));
    if (status < 100) throw bad(`a status of ${head.slice(9, 12)}`);
    const headers: string[] = [];
    let contentLength: string | undefined;
    let chunked = false;
    let close = false;
    let keepAlive = false;
    for (let lineEnd = head.indexOf('\r\n'); lineEnd >= 0; ) {
      const at = lineEnd + 2;
      lineEnd = head.indexOf('\r\n', at);
      const colon = head.indexOf(':', at);
      const name = head.slice(at, colon).toLowerCase();
      const value = withoutOws(head, colon + 1, lineEnd < 0 ? head.length : lineEnd);
      headers.push(name, value);
      if (name === 'content-length') {
        if (!/^\d+$/.test(value) || (contentLength !== undefined && contentLength !== value)) throw bad(`a Content-Length of "${value}"`);
        contentLength = value;
      } else if (name === 'transfer-encoding') {
        chunked = /(?:^|,)\s*chunked\s*$/i.test(value);
      } else if (name === 'connection') {
        close ||= CLOSE_TOKEN.test(value);
        keepAlive ||= KEEP_ALIVE_TOKEN.test(value);
      }
    }
    if (status < 200) return; // 1xx: the real answer follows on the same connection
    const http11 = head.charCodeAt(7) === 0x31;
    this.#keepAlive = http11 ? !close : keepAlive;
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

/** What is wrong with a head that is not WELL_FORMED_HEAD: its status line, or its first bad header line. */
function malformation(head: string): UpstreamError {
  let lineEnd = head.indexOf('\r\n');
  if (lineEnd < 0) lineEnd = head.length;
  if (!STATUS_LINE.test(head.slice(0, lineEnd))) return bad(`a status line of "${head.slice(0, Math.min(lineEnd, 40))}"`);
  for (let at = lineEnd + 2; at < head.length; at = lineEnd + 2) {
    lineEnd = head.indexOf('\r\n', at);
    if (lineEnd < 0) lineEnd = head.length;
    const colon = head.indexOf(':', at);
    // A name that is not a token (whitespace before the colon, a folded line…): refused (RFC 9112 §5).
    if (colon < 0 || colon > lineEnd || !TOKEN.test(head.slice(at, colon))) return bad(`a header line of "${head.slice(at, Math.min(lineEnd, at + 40))}"`);
    // A control character (a bare CR or LF too) in a value: refused (RFC 9110 §5.5), as a caller could not be sent it.
    const value = withoutOws(head, colon + 1, lineEnd);
    if (NOT_FIELD_TEXT.test(value)) return bad(`a header value of "${value.slice(0, 40)}"`);
  }
  return bad('a head it cannot read');
}

/** head[from, to) without the optional whitespace (SP, HTAB) around a field value. */
function withoutOws(head: string, from: number, to: number): string {
  while (from < to && (head.charCodeAt(from) === 32 || head.charCodeAt(from) === 9)) from++;
  while (to > from && (head.charCodeAt(to - 1) === 32 || head.charCodeAt(to - 1) === 9)) to--;
  return head.slice(from, to);
}

const bad = (what: string) => new UpstreamError('BAD_RESPONSE', `the upstream's answer is not HTTP/1.1: ${what}`);
