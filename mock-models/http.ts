/** The little HTTP plumbing mock-models needs on node:http: JSON in and out, and SSE. */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { invalidJson, OpenAIError } from './errors.ts';

/** Request bodies larger than this are refused; model prompts in tests are far smaller. */
const BODY_LIMIT = 16 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > BODY_LIMIT) throw new OpenAIError(413, `The request body is larger than ${BODY_LIMIT} bytes.`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The body as a JSON object; anything else is OpenAI's 400. */
export function parseJsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalidJson();
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw invalidJson();
  return value as Record<string, unknown>;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendError(res: ServerResponse, error: OpenAIError): void {
  sendJson(res, error.status, error.body, error.headers);
}

/** Starts an SSE response and sends the headers at once, so time to first byte is the model's, not ours. */
export function startEventStream(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.flushHeaders();
}

/** One SSE event, written (and so flushed) now; resolves once it has left for the socket. */
export function sendEvent(res: ServerResponse, data: unknown): Promise<void> {
  return new Promise((resolve) => res.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`, () => resolve()));
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
