/**
 * What a stub model is and does, as environments/<env>/models.yaml writes it: the schemas, and the types
 * inferred from them (so the two cannot drift apart). Each reply kind's answer is in replies.ts.
 */
import { z } from 'zod';

import { MODELS_DEFAULTS } from './defaults.ts';

const milliseconds = z.number().int().min(0).max(600_000);

/**
 * How a model misbehaves on purpose. Every field is optional; several combine. models.yaml and the control
 * endpoint (PUT /__control/models/<name>/fault) both take this shape, so both reject the same mistakes.
 */
export const faultSchema = z.strictObject({
  /** Wait this long before the first byte (the status line). */
  latencyMs: milliseconds.optional(),
  /** Wait this long between two streamed chunks. */
  chunkDelayMs: milliseconds.optional(),
  /** Answer with this error status (429, 500, 503, …) and an OpenAI-shaped error body. */
  status: z.number().int().min(400).max(599).optional(),
  /** With status 429 or 503: the Retry-After header, in seconds. */
  retryAfterSeconds: z.number().int().min(0).optional(),
  /** Close the connection after this many streamed chunks (0: before any byte of the body). */
  dropAfterChunks: z.number().int().min(0).optional(),
  /** Never answer; the request stays open until the client gives up or the server stops. */
  hang: z.boolean().optional(),
  /** Apply to this many requests, then clear by itself. Unset: until changed or reset. */
  times: z.number().int().min(1).optional(),
});

export type Fault = z.infer<typeof faultSchema>;

/**
 * What a model answers, as models.yaml writes it, each option turned into its kind. A new kind is an option
 * here and its answer in replies.ts (which tsc then requires).
 */
export const replySchema = z.union([
  /** Repeats the last user message (the prompt, for completions), so a test can assert what arrived. */
  z.literal('echo').transform(() => ({ kind: 'echo' as const })),
  z.strictObject({ text: z.string() }).transform(({ text }) => ({ kind: 'text' as const, text })),
  /** One reply per request, in order, starting again after the last. */
  z.strictObject({ sequence: z.array(z.string()).min(1) }).transform(({ sequence }) => ({ kind: 'sequence' as const, texts: sequence })),
], { error: 'a reply is "echo", {text: "…"} or {sequence: ["…", …]}' });

export type Reply = z.infer<typeof replySchema>;

const modelKindSchema = z.enum(['chat', 'completion', 'embedding']);

export type ModelKind = z.infer<typeof modelKindSchema>;

const modelSchema = z.strictObject({
  kind: modelKindSchema.default('chat'),
  /** The key a request must carry (X-UPSTREAM-KEY as DIAL Core sends it, api-key, or Authorization: Bearer). */
  upstreamKey: z.string().min(1).optional(),
  reply: replySchema.default({ kind: 'echo' }),
  /** Faults from the definition; what `reset()` returns to. */
  fault: faultSchema.optional(),
  /** Length of embedding vectors when the request names no `dimensions`. */
  dimensions: z.number().int().min(1).max(4096).default(MODELS_DEFAULTS.dimensions),
});

export const modelsFileSchema = z.strictObject({
  // A model with nothing under its name (`plain:`) takes every default.
  models: z.record(z.string().regex(/^[\w.-]+$/, 'a deployment name: letters, digits, ".", "_" and "-"'), z.preprocess((entry) => entry ?? {}, modelSchema)).default({}),
});

export interface ModelDefinition extends z.infer<typeof modelSchema> {
  /** The deployment name: `/openai/deployments/<name>/…`, or `model` on `/v1/chat/completions`. */
  name: string;
}
