/** What a console handler is given: the request, the services it shows, and the console's own parts. */
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { AccessView } from './access-view.ts';
import { BODY_LIMIT } from './defaults.ts';
import { badRequest, notJson, tooLarge } from './errors.ts';
import type { Feed } from './feed.ts';
import type { ServiceCalls } from './service-calls.ts';
import type { ConsoleServices } from './services.ts';
import type { Sessions } from './session.ts';

export interface ConsoleState {
  services: ConsoleServices;
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  port: number;
  sessions: Sessions;
  access: AccessView;
  feed: Feed;
  /** The services' HTTP APIs, called as a client would (Management API, /__control, Core's deployments). */
  calls: ServiceCalls;
}

export interface ConsoleExchange {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
  console: ConsoleState;
}

export type Handler = (exchange: ConsoleExchange) => void | Promise<void>;

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/** The body as text, at most BODY_LIMIT bytes (413 past it): counted in bytes, decoded once whole, so a character split across two chunks stays one. */
export async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes > BODY_LIMIT) throw tooLarge(BODY_LIMIT);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A JSON object body, at most BODY_LIMIT bytes; anything else is a 4xx. */
export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) throw notJson();
  const text = await readText(req);
  let body: unknown;
  try {
    body = JSON.parse(text || '{}');
  } catch {
    throw badRequest('The body is not JSON.');
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('The body must be a JSON object.');
  return body as Record<string, unknown>;
}
