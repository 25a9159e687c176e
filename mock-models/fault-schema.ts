/** The shape of a fault, shared by models.yaml and the control endpoint, so both reject the same mistakes. */
import { z } from 'zod';

const milliseconds = z.number().int().min(0).max(600_000);

export const faultSchema = z.strictObject({
  latencyMs: milliseconds.optional(),
  chunkDelayMs: milliseconds.optional(),
  status: z.number().int().min(400).max(599).optional(),
  retryAfterSeconds: z.number().int().min(0).optional(),
  dropAfterChunks: z.number().int().min(0).optional(),
  hang: z.boolean().optional(),
  times: z.number().int().min(1).optional(),
});
