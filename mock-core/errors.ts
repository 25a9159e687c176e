/**
 * DIAL Core's error answers. Core sends most errors as plain text with no Content-Type at all
 * (docs/dial-core.md#error-format); the rate limiter's JSON also travels that way since 0.25.
 */
export class DialError extends Error {
  readonly status: number;
  /** The body exactly as Core sends it; '' for Core's empty bodies. */
  readonly body: string;
  readonly headers: Record<string, string>;
  /**
   * What the sandbox knows of why, beyond Core's words (the request log's `cause`): never sent. Core's 401
   * "Bad Authorization header" is one answer for a dozen reasons, told only in Core's own server log.
   */
  readonly explanation: string | undefined;

  constructor(status: number, body = '', headers: Record<string, string> = {}, explanation?: string) {
    super(body || `HTTP ${status}`);
    this.name = 'DialError';
    this.status = status;
    this.body = body;
    this.headers = headers;
    this.explanation = explanation;
  }
}

/** Core's `ErrorData` JSON (`{"error":{"message","display_message","code"}}`), as text without Content-Type. */
export function dialJsonError(status: number, message: string, displayMessage: string, headers: Record<string, string> = {}): DialError {
  return new DialError(status, JSON.stringify({ error: { message, display_message: displayMessage, code: String(status) } }), headers);
}

/** A startup failure: Core exits (System.exit(-1)) with this message. */
export class CoreStartupError extends Error {
  readonly key: string | undefined;
  /** Core's message alone, without the key. */
  readonly reason: string;

  constructor(reason: string, key?: string) {
    super(key ? `${reason} (at ${key})` : reason);
    this.name = 'CoreStartupError';
    this.key = key;
    this.reason = reason;
  }
}
