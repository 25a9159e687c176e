import { STATUS_CODES } from 'node:http';

/**
 * A Management API error in Auth0's shape: `{statusCode, error, message, errorCode}`
 * (docs/auth0.md#management-errors).
 */
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
