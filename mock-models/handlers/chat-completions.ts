/**
 * POST …/chat/completions: OpenAI's chat completion, as a JSON object or as SSE chunks. The usage object goes
 * where DIAL Core looks for it (docs/dial-core.md#token-usage): the last `usage` in the body, with
 * scalar fields only (a nested object there makes Core 0.18 count nothing).
 */
import { randomBytes } from 'node:crypto';

import { invalidType, missingParameter, OpenAIError } from '../errors.ts';
import type { Exchange } from '../exchange.ts';
import { sendJson } from '../http.ts';
import { contentText, countPromptTokens, tokenize } from '../tokenizer.ts';
import { acceptModelCall } from './model-call.ts';
import { streamChunks } from './stream.ts';

type Message = { role?: unknown; content?: unknown };

export async function chatCompletions(exchange: Exchange): Promise<void> {
  const call = await acceptModelCall(exchange, 'chat');
  if (!call) return;
  const { model, body, fault } = call;
  const messages = checkedMessages(body.messages);
  const lastUser = [...messages].reverse().find((m) => m.role === 'user');
  const text = exchange.registry.nextReply(model, contentText(lastUser?.content));
  const tokens = tokenize(text);
  const promptTokens = countPromptTokens(messages);
  // OpenAI's usage, the detail objects included (https://platform.openai.com/docs/api-reference/chat/object):
  // DIAL Core has to read past them (docs/dial-core.md#token-usage).
  const usage = {
    prompt_tokens: promptTokens,
    completion_tokens: tokens.length,
    total_tokens: promptTokens + tokens.length,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
  const head = { id: `chatcmpl-${randomBytes(12).toString('base64url')}`, created: Math.floor(Date.now() / 1000), model: model.name };

  if (body.stream !== true) {
    sendJson(exchange.res, 200, {
      ...head,
      object: 'chat.completion',
      choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
      usage,
    });
    return;
  }

  const chunk = (delta: object, finish_reason: string | null, extra: object = {}) => ({
    ...head,
    object: 'chat.completion.chunk',
    choices: [{ index: 0, delta, finish_reason }],
    ...extra,
  });
  // With stream_options.include_usage OpenAI sends usage in one more chunk with no choices; DIAL adapters
  // put it in the chunk that finishes the message. Either way it is the last usage Core finds.
  const includeUsage = (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
  const chunks = [
    chunk({ role: 'assistant', content: '' }, null),
    ...tokens.map((token) => chunk({ content: token }, null)),
    chunk({}, 'stop', includeUsage ? {} : { usage }),
    ...(includeUsage ? [{ ...head, object: 'chat.completion.chunk', choices: [], usage }] : []),
  ];
  await streamChunks(exchange.res, chunks, fault);
}

/** `messages` as OpenAI checks it: a non-empty array of objects whose content is text or a list of parts. */
function checkedMessages(messages: unknown): Message[] {
  if (messages === undefined) throw missingParameter('messages');
  if (!Array.isArray(messages)) throw invalidType('messages', 'an array', messages);
  if (messages.length === 0) throw new OpenAIError(400, "Invalid 'messages': empty array. Expected an array with minimum length 1.", { param: 'messages', code: 'empty_array' });
  for (const [i, message] of messages.entries()) {
    if (!message || typeof message !== 'object' || Array.isArray(message)) throw invalidType(`messages[${i}]`, 'an object', message);
    const { content } = message as Message;
    if (content !== undefined && content !== null && typeof content !== 'string' && !Array.isArray(content)) {
      throw invalidType(`messages[${i}].content`, 'one of a string or array of objects', content);
    }
  }
  return messages as Message[];
}
