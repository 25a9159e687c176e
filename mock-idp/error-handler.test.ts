import type { Request, Response } from 'express';
import { describe, expect, it } from 'vitest';

import { createMemoryLogger } from '../common/log.ts';
import { handleErrors } from './error-handler.ts';
import { Auth0Error, BodyError, ManagementError } from './errors.ts';

/** What the handler sent for `error` on a request to `path`, and what it logged. */
function handle(error: unknown, path: string) {
  const log = createMemoryLogger('mock-idp');
  const sent: { status?: number; headers: Record<string, string>; body?: unknown } = { headers: {} };
  const res = {
    headersSent: false,
    status: (status: number) => ((sent.status = status), res),
    set: (name: string, value: string) => ((sent.headers[name] = value), res),
    json: (body: unknown) => ((sent.body = body), res),
  };
  handleErrors(log, '/api/v2')(error, { method: 'POST', path } as Request, res as unknown as Response, () => {});
  return { ...sent, logs: log.lines };
}

describe("the IdP's one error handler", () => {
  it('answers an unknown error with a 500 that says only that, and logs its stack', () => {
    const error = new Error('ENOENT: /home/someone/.sandbox/secret');
    for (const [path, body] of [
      ['/oauth/token', { error: 'server_error', error_description: 'mock-idp failed; its log has the details.' }],
      ['/api/v2/users', { statusCode: 500, error: 'Internal Server Error', message: 'mock-idp failed; its log has the details.', errorCode: 'internal_error' }],
    ] as const) {
      const answer = handle(error, path);
      expect(answer).toMatchObject({ status: 500, body });
      expect(JSON.stringify(answer.body)).not.toContain('ENOENT');
      expect(answer.logs).toEqual([`[mock-idp] error: POST ${path} failed: ${error.stack}`]);
    }
  });

  it('answers each error class in its own shape, wherever it was thrown, and logs nothing', () => {
    expect(handle(new Auth0Error(403, 'access_denied', 'Service not found: x'), '/api/v2/users')).toEqual({
      status: 403, headers: { 'Cache-Control': 'no-store' }, body: { error: 'access_denied', error_description: 'Service not found: x' }, logs: [],
    });
    expect(handle(new ManagementError(404, 'The user does not exist.', 'inexistent_user'), '/__control/reset')).toEqual({
      status: 404, headers: {}, body: { statusCode: 404, error: 'Not Found', message: 'The user does not exist.', errorCode: 'inexistent_user' }, logs: [],
    });
  });

  it('words an unreadable body and an undecodable path in the shape of the API they were sent to', () => {
    const body = new BodyError(413, 'Payload content length greater than maximum allowed: 57344');
    expect(handle(body, '/oauth/token').body).toEqual({ error: 'invalid_request', error_description: body.message });
    expect(handle(body, '/api/v2/roles').body).toEqual({ statusCode: 413, error: 'Payload Too Large', message: body.message, errorCode: 'payload_too_large' });
    expect(handle(new URIError('URI malformed'), '/api/v2/users/%E0%A4%A')).toMatchObject({ status: 400, body: { errorCode: 'invalid_uri' }, logs: [] });
  });
});
