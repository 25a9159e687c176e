/** A resource's body, refused past `resources.maxSize` with Core's 413 (docs/dial-core.md#resource-crud). */
import type { IncomingMessage } from 'node:http';

import { DialError } from '../errors.ts';
import { readBody } from '../http.ts';

export async function readLimitedBody(req: IncomingMessage, maxSize: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxSize) throw tooLarge(declared, maxSize);
  const body = await readBody(req);
  if (body.length > maxSize) throw tooLarge(body.length, maxSize);
  return body;
}

function tooLarge(size: number, maxSize: number): DialError {
  return new DialError(413, `Resource size: ${size} exceeds max limit: ${maxSize}`);
}
