/**
 * What the console's server tests share: calls to the console as a script makes them (JSON, and node:http
 * where fetch cannot say it: a Host of one's own), its event stream read as a browser's EventSource would,
 * and copies of the tutorial environment with one thing changed.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DEFAULT_ENVIRONMENT } from '../../common/environment-folder.ts';
import type { Matrix, UserRow } from '../../console/access-view.ts';

export interface Answer {
  status: number;
  headers: Headers;
  body: any; // what each test reads of it, it checks
}

/** A call to the console: a JSON body when given one, its answer parsed when it is JSON. */
export async function consoleCall(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(new URL(path, base), {
    method,
    redirect: 'manual',
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // HTML or NDJSON: the text as it came
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

/** A request with headers fetch will not send as given (Host, which fetch always takes from the URL). */
export function rawRequest(base: string, method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: any }> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method, headers: { ...headers, ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The matrix row of a user (by email) or an API key. */
export function rowOf(matrix: Matrix, label: string): Matrix['rows'][number] {
  const row = matrix.rows.find((r) => r.label === label);
  if (!row) throw new Error(`the matrix has no row ${label}: ${matrix.rows.map((r) => r.label).join(', ')}`);
  return row;
}

/** A cell of a row's next-login verdicts, or of the token the user holds. */
export function cellOf(matrix: Matrix, label: string, deployment: string, which: 'next' | 'held' = 'next') {
  const row = rowOf(matrix, label);
  const verdicts = which === 'held' ? (row as UserRow).held : row.next;
  if (!verdicts || !('cells' in verdicts)) throw new Error(`${label} has no ${which} verdicts: ${JSON.stringify(verdicts)}`);
  const cell = verdicts.cells.find((c) => c.deployment === deployment);
  if (!cell) throw new Error(`${label} has no cell for ${deployment}`);
  return cell;
}

export interface ServerSentEvent {
  event: string;
  data: any;
}

export interface EventStream {
  status: number;
  /** Every event so far, in order; grows while the stream is open. */
  events: ServerSentEvent[];
  close(): void;
}

/** /api/events read as an EventSource reads it: `event:` and `data:` lines, an event per blank line. */
export async function openEvents(base: string, headers: Record<string, string> = {}): Promise<EventStream> {
  const aborting = new AbortController();
  const response = await fetch(new URL('/api/events', base), { headers, signal: aborting.signal });
  const events: ServerSentEvent[] = [];
  void (async () => {
    const decoder = new TextDecoder();
    let buffered = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffered += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffered.indexOf('\n\n')) >= 0) {
          const lines = buffered.slice(0, end).split('\n');
          buffered = buffered.slice(end + 2);
          const event = lines.find((l) => l.startsWith('event:'))?.slice(6).trim();
          const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n');
          if (event) events.push({ event, data: JSON.parse(data) });
        }
      }
    } catch {
      // aborted: the test closed it
    }
  })();
  return { status: response.status, events, close: () => aborting.abort() };
}

/**
 * A copy of the tutorial environment with Core's files edited (JSON in, JSON out), for the cases the
 * tutorial itself does not have: a limit of 0, a provider that wants an audience.
 */
export function tutorialVariant(name: string, edit: { config?: (config: any) => void; settings?: (settings: any) => void }): string {
  const dir = join(mkdtempSync(join(tmpdir(), `console-${name}-`)), 'env');
  cpSync(DEFAULT_ENVIRONMENT, dir, { recursive: true });
  const rewrite = (file: string, change?: (json: any) => void) => {
    if (!change) return;
    const path = join(dir, 'core', file);
    const json = JSON.parse(readFileSync(path, 'utf8'));
    change(json);
    writeFileSync(path, JSON.stringify(json, null, 2));
  };
  rewrite('aidial.config.json', edit.config);
  rewrite('aidial.settings.json', edit.settings);
  return dir;
}
