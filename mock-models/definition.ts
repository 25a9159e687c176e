/** What a stub model is and does, as environments/<env>/models.yaml defines it (resolved by sandbox/). */

export type ModelKind = 'chat' | 'completion' | 'embedding';

/** What a model answers. */
export type Reply =
  /** Repeats the last user message (the prompt, for completions), so a test can assert what arrived. */
  | { kind: 'echo' }
  | { kind: 'text'; text: string }
  /** One reply per request, in order, starting again after the last. */
  | { kind: 'sequence'; texts: string[] };

/** How a model misbehaves on purpose. Every field is optional; several combine. */
export interface Fault {
  /** Wait this long before the first byte (the status line). */
  latencyMs?: number;
  /** Wait this long between two streamed chunks. */
  chunkDelayMs?: number;
  /** Answer with this error status (429, 500, 503, …) and an OpenAI-shaped error body. */
  status?: number;
  /** With status 429 or 503: the Retry-After header, in seconds. */
  retryAfterSeconds?: number;
  /** Close the connection after this many streamed chunks (0: before any byte of the body). */
  dropAfterChunks?: number;
  /** Never answer; the request stays open until the client gives up or the server stops. */
  hang?: boolean;
  /** Apply to this many requests, then clear by itself. Unset: until changed or reset. */
  times?: number;
}

export interface ModelDefinition {
  /** The deployment name: `/openai/deployments/<name>/…`, or `model` on `/v1/chat/completions`. */
  name: string;
  kind: ModelKind;
  /** The key a request must carry (X-UPSTREAM-KEY as DIAL Core sends it, api-key, or Authorization: Bearer). */
  upstreamKey?: string;
  reply: Reply;
  /** Faults from the definition; what `reset()` returns to. */
  fault?: Fault;
  /** Length of embedding vectors when the request names no `dimensions`. */
  dimensions: number;
}
