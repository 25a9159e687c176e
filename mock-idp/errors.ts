/**
 * The IdP's errors, each carrying its HTTP status and its wire body: Auth0's Authentication API shape
 * `{error, error_description}`, and the Management API's `{statusCode, error, message, errorCode}`. They sit at
 * the bottom of the IdP's imports: any module may throw them, and the one error handler (error-handler.ts)
 * renders them.
 */
import { STATUS_CODES } from 'node:http';

/**
 * Errors in Auth0's wire format, `{error, error_description}` with Auth0's status. oidc-provider's error
 * handler renders any error that carries `statusCode`, `expose`, `message` (the code) and
 * `error_description`, so these pass through it unchanged.
 */
export class Auth0Error extends Error {
  readonly statusCode: number;
  readonly status: number;
  readonly expose = true;
  /** At /authorize, oidc-provider sends an error to the redirect_uri (rather than showing a page) only with this. */
  readonly allow_redirect = true;
  readonly error_description: string;
  /** Marks errors already in Auth0's dialect, so translateTokenErrors (provider.ts) leaves them alone. */
  readonly auth0 = true;

  constructor(statusCode: number, error: string, description: string) {
    super(error);
    this.name = 'Auth0Error';
    this.statusCode = statusCode;
    this.status = statusCode;
    this.error_description = description;
  }

  get body(): { error: string; error_description: string } {
    return { error: this.message, error_description: this.error_description };
  }
}

/** An Action called api.access.deny(), threw, or ran out of time: Auth0 reports all three as access_denied. */
export class AccessDenied extends Auth0Error {
  constructor(description: string) {
    super(403, 'access_denied', description);
  }
}

export const wrongEmailOrPassword = (): Auth0Error => new Auth0Error(403, 'invalid_grant', 'Wrong email or password.');

/** An audience that names no API of the tenant, at any grant or at /authorize. */
export const serviceNotFound = (audience: string): Auth0Error => new Auth0Error(403, 'access_denied', `Service not found: ${audience}`);

/** Offline by design: anything the sandbox does not serve fails loudly, naming what was asked. */
export const notServed = (method: string, path: string): Auth0Error =>
  new Auth0Error(404, 'not_found', `mock-idp does not serve ${method} ${path}. See the README for the Auth0 endpoints it emulates.`);

/** A Management API error in Auth0's shape: `{statusCode, error, message, errorCode}` (docs/auth0.md#management-errors). */
export class ManagementError extends Error {
  readonly statusCode: number;
  readonly errorCode: string;

  constructor(statusCode: number, message: string, errorCode: string) {
    super(message);
    this.name = 'ManagementError';
    this.statusCode = statusCode;
    this.errorCode = errorCode;
  }

  get body(): { statusCode: number; error: string; message: string; errorCode: string } {
    return { statusCode: this.statusCode, error: STATUS_CODES[this.statusCode] ?? 'Error', message: this.message, errorCode: this.errorCode };
  }
}

/** A request body that cannot be read (request-body.ts): each API words it in its own error shape. */
export class BodyError extends Error {
  readonly status: 400 | 413;

  constructor(status: 400 | 413, message: string) {
    super(message);
    this.name = 'BodyError';
    this.status = status;
  }
}
