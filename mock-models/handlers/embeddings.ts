/** POST …/embeddings: deterministic unit vectors derived from a hash of each input, so equal inputs match. */
import { createHash } from 'node:crypto';

import { missingParameter, OpenAIError } from '../errors.ts';
import type { Exchange } from '../exchange.ts';
import { sendJson } from '../http.ts';
import { countTokens } from '../tokenizer.ts';
import { acceptModelCall } from './model-call.ts';

export async function embeddings(exchange: Exchange): Promise<void> {
  const call = await acceptModelCall(exchange, 'embedding');
  if (!call) return;
  const { model, body } = call;
  if (body.input === undefined) throw missingParameter('input');
  const inputs = (Array.isArray(body.input) ? body.input : [body.input]).map((i) => (typeof i === 'string' ? i : JSON.stringify(i)));
  const dimensions = body.dimensions === undefined ? model.dimensions : Number(body.dimensions);
  if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > 4096) {
    throw new OpenAIError(400, `Invalid 'dimensions': ${String(body.dimensions)}. Expected an integer from 1 to 4096.`, { param: 'dimensions' });
  }
  const promptTokens = inputs.reduce((sum, input) => sum + countTokens(input), 0);
  // The openai SDK asks for base64 (little-endian float32) unless told otherwise, and decodes it itself.
  const encode = body.encoding_format === 'base64' ? toBase64 : (vector: number[]) => vector;
  sendJson(exchange.res, 200, {
    object: 'list',
    data: inputs.map((input, index) => ({ object: 'embedding', index, embedding: encode(vectorOf(input, dimensions)) })),
    model: model.name,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  });
}

function toBase64(vector: number[]): string {
  return Buffer.from(new Float32Array(vector).buffer).toString('base64');
}

function vectorOf(input: string, dimensions: number): number[] {
  const values: number[] = [];
  for (let block = 0; values.length < dimensions; block++) {
    const digest = createHash('sha256').update(`${block}:${input}`).digest();
    for (let i = 0; i + 1 < digest.length && values.length < dimensions; i += 2) values.push(digest.readUInt16BE(i) / 32_767.5 - 1);
  }
  const norm = Math.hypot(...values) || 1;
  return values.map((v) => Number((v / norm).toFixed(6)));
}
