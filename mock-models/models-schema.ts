/** The shape of models.yaml: what each stub model answers. */
import { z } from 'zod';

import { faultSchema } from './fault-schema.ts';

const reply = z.union([
  z.literal('echo'),
  z.strictObject({ text: z.string() }),
  z.strictObject({ sequence: z.array(z.string()).min(1) }),
], { error: 'a reply is "echo", {text: "…"} or {sequence: ["…", …]}' });

const model = z.strictObject({
  kind: z.enum(['chat', 'completion', 'embedding']).default('chat'),
  upstreamKey: z.string().min(1).optional(),
  reply: reply.default('echo'),
  fault: faultSchema.optional(),
  dimensions: z.number().int().min(1).max(4096).optional(),
});

export const modelsFileSchema = z.strictObject({
  models: z.record(z.string().regex(/^[\w.-]+$/, 'a deployment name: letters, digits, ".", "_" and "-"'), model.nullable()).default({}),
});

export type ModelsFile = z.infer<typeof modelsFileSchema>;
