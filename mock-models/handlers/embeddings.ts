/** POST …/embeddings: deterministic unit vectors derived from a hash of each input, so equal inputs match. */
import { createHash } from 'node:crypto';

import { invalidType, missingParameter, OpenAIError } from '../errors.ts';
import type { Exchange } from '../exchange.ts';
import { sendJson } from '../http.ts';
import { countTokens } from '../tokenizer.ts';
import { acceptModelCall } from './model-call.ts';

export async function embeddings(exchange: Exchange): Promise<void> {
  const call = await acceptModelCall(exchange, 'embedding');
  if (!call) return;
  const { model, body } = call;
  const inputs = inputTexts(body.input);
  if (body.dimensions !== undefined && typeof body.dimensions !== 'number') throw invalidType('dimensions', 'an integer', body.dimensions);
  const dimensions = body.dimensions ?? model.dimensions;
  if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > 4096) {
    throw new OpenAIError(400, `Invalid 'dimensions': ${dimensions}. Expected an integer from 1 to 4096.`, { param: 'dimensions' });
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

/** Each input as text: a string, or token ids (one list, or a list of lists) written as JSON. */
function inputTexts(input: unknown): string[] {
  if (input === undefined) throw missingParameter('input');
  const inputs = Array.isArray(input) && !input.every((i) => typeof i === 'number') ? input : [input];
  const tokenIds = (i: unknown) => Array.isArray(i) && i.every((id) => typeof id === 'number');
  if (!inputs.every((i) => typeof i === 'string' || tokenIds(i))) throw invalidType('input', 'a string or an array of strings', input);
  return inputs.map((i) => (typeof i === 'string' ? i : JSON.stringify(i)));
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
