/** POST …/completions: OpenAI's legacy text completion (`prompt` in, `text` out), JSON or SSE. */
import { randomBytes } from 'node:crypto';

import { invalidType, missingParameter } from '../errors.ts';
import type { Exchange } from '../exchange.ts';
import { sendJson } from '../http.ts';
import { countTokens, tokenize } from '../tokenizer.ts';
import { acceptModelCall } from './model-call.ts';
import { streamChunks } from './stream.ts';

export async function completions(exchange: Exchange): Promise<void> {
  const call = await acceptModelCall(exchange, 'completion');
  if (!call) return;
  const { model, body, fault } = call;
  const prompt = promptText(body.prompt);

  const text = exchange.registry.nextReply(model, prompt);
  const tokens = tokenize(text);
  const usage = { prompt_tokens: countTokens(prompt), completion_tokens: tokens.length, total_tokens: countTokens(prompt) + tokens.length };
  const head = { id: `cmpl-${randomBytes(12).toString('base64url')}`, object: 'text_completion', created: Math.floor(Date.now() / 1000), model: model.name };
  const choice = (piece: string, finish_reason: string | null) => ({ text: piece, index: 0, logprobs: null, finish_reason });

  if (body.stream !== true) {
    sendJson(exchange.res, 200, { ...head, choices: [choice(text, 'stop')], usage });
    return;
  }
  await streamChunks(exchange.res, [...tokens.map((t) => ({ ...head, choices: [choice(t, null)] })), { ...head, choices: [choice('', 'stop')], usage }], fault);
}

/** A prompt is text, or a list of texts or token ids (counted as written). */
function promptText(prompt: unknown): string {
  if (prompt === undefined) throw missingParameter('prompt');
  if (typeof prompt === 'string') return prompt;
  if (Array.isArray(prompt) && prompt.every((part) => typeof part === 'string' || typeof part === 'number')) return prompt.join('');
  throw invalidType('prompt', 'a string or an array of strings', prompt);
}
