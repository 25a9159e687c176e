/**
 * Why a token was turned away. Core answers every such token with the same 401 "Bad Authorization header"
 * and says why only in its own server log; the sandbox keeps the why beside the request instead, so that
 * `dial-sandbox logs` can tell a JWKS that did not answer from an expired token. `message` is the wording
 * of Core's libraries (java-jwt, jwks-rsa), `explanation` the sandbox's, with the values that decided it.
 * Neither is ever sent: Core's answer stays Core's.
 */
export class TokenRejection extends Error {
  readonly explanation: string;

  constructor(message: string, explanation = message) {
    super(message);
    this.name = new.target.name;
    this.explanation = explanation;
  }
}

/** A rejection in words for the log: the sandbox's explanation where there is one, else the error's own message. */
export function explainRejection(error: unknown): string {
  if (error instanceof TokenRejection) return error.explanation;
  // Several userinfo providers tried at once (Promise.any): each one's reason.
  if (error instanceof AggregateError) return error.errors.map(explainRejection).join('; ');
  return error instanceof Error ? error.message : String(error);
}

/** Why a request for the JWKS failed, as short as the system said it: "ECONNREFUSED", not node's whole message. */
export function networkFailure(error: unknown): string {
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  const code = (cause as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') return code;
  if (cause instanceof Error) return cause.message;
  return error instanceof Error ? error.message : String(error);
}
