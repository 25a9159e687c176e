import OpenAI, { AzureOpenAI } from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import type { Models } from '../mock-models/models.ts';
import { countTokens } from '../mock-models/tokenizer.ts';
import { startTestModels, TUTORIAL_KEY } from './support/models.ts';

describe('mock-models with the official openai SDK', () => {
  let models: Models;
  beforeAll(async () => {
    models = await startTestModels([
      { name: 'scripted', kind: 'chat', reply: { kind: 'sequence', texts: ['first', 'second'] }, dimensions: 8 },
      { name: 'legacy', kind: 'completion', reply: { kind: 'echo' }, dimensions: 8 },
    ]);
  });
  afterEach(() => models.reset());
  afterAll(() => models.stop());

  const openai = () => new OpenAI({ baseURL: `${models.url}/v1`, apiKey: TUTORIAL_KEY, maxRetries: 0 });

  it('echoes the last user message, with usage counted by the documented tokenizer', async () => {
    const completion = await openai().chat.completions.create({
      model: 'gpt-35-turbo',
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello, DIAL!' }],
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]!.message).toMatchObject({ role: 'assistant', content: 'Hello, DIAL!' });
    expect(completion.choices[0]!.finish_reason).toBe('stop');
    const prompt = 1 + countTokens('Be brief.') + 1 + countTokens('Hello, DIAL!');
    expect(completion.usage).toMatchObject({ prompt_tokens: prompt, completion_tokens: 4, total_tokens: prompt + 4, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } });
  });

  it('streams one chunk per token, then the usage, then [DONE]', async () => {
    const stream = await openai().chat.completions.create({
      model: 'gpt-4',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
      // The fixed reply of gpt-4 needs its own key.
    }, { headers: { authorization: 'Bearer modelKey2' } });
    const pieces: string[] = [];
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      pieces.push(chunk.choices[0]?.delta.content ?? '');
      usage = chunk.usage ?? usage;
    }
    expect(pieces.join('')).toBe('Hello from the stub gpt-4.');
    expect(pieces.filter(Boolean)).toHaveLength(countTokens('Hello from the stub gpt-4.'));
    const completionTokens = countTokens('Hello from the stub gpt-4.');
    expect(usage).toMatchObject({ prompt_tokens: 2, completion_tokens: completionTokens, total_tokens: 2 + completionTokens });
  });

  it('answers a sequence of replies in order and starts again after the last', async () => {
    const ask = async () => (await openai().chat.completions.create({ model: 'scripted', messages: [{ role: 'user', content: 'x' }] })).choices[0]!.message.content;
    expect([await ask(), await ask(), await ask()]).toEqual(['first', 'second', 'first']);
    models.reset();
    expect(await ask()).toBe('first');
  });

  it('serves the Azure path family to AzureOpenAI, with api-version and the api-key header', async () => {
    const azure = new AzureOpenAI({ endpoint: models.url, apiKey: TUTORIAL_KEY, apiVersion: '2024-02-01', maxRetries: 0 });
    const completion = await azure.chat.completions.create({ model: 'gpt-35-turbo', messages: [{ role: 'user', content: 'via azure' }] });
    expect(completion.choices[0]!.message.content).toBe('via azure');
    const [request] = models.requests('gpt-35-turbo');
    expect(request).toMatchObject({ path: '/openai/deployments/gpt-35-turbo/chat/completions', query: { 'api-version': '2024-02-01' } });
    expect(request!.headers['api-key']).toBe(TUTORIAL_KEY);

    const stream = await azure.chat.completions.create({ model: 'gpt-35-turbo', messages: [{ role: 'user', content: 'streamed via azure' }], stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('streamed via azure');
  });

  it('serves the tutorial adapter URL (/v1/openai/deployments/…) with the key in X-UPSTREAM-KEY, as DIAL Core sends it', async () => {
    const client = new OpenAI({ baseURL: `${models.url}/v1/openai/deployments/gpt-35-turbo`, apiKey: 'not-the-key', defaultHeaders: { 'X-UPSTREAM-KEY': TUTORIAL_KEY }, maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: 'ignored', messages: [{ role: 'user', content: 'through core' }] });
    expect(completion.choices[0]!.message.content).toBe('through core');
  });

  it('returns deterministic embeddings of the requested size', async () => {
    const client = openai();
    const first = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['alpha', 'beta'] });
    const again = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'alpha', dimensions: 3 });
    expect(first.data).toHaveLength(2);
    expect(first.data[0]!.embedding).toHaveLength(8);
    expect(first.data[0]!.embedding).not.toEqual(first.data[1]!.embedding);
    expect((await client.embeddings.create({ model: 'text-embedding-3-small', input: 'alpha' })).data[0]!.embedding).toEqual(first.data[0]!.embedding);
    expect(again.data[0]!.embedding).toHaveLength(3);
    expect(Math.hypot(...first.data[0]!.embedding)).toBeCloseTo(1, 4);
    // Asked for floats, the same vector comes back as JSON numbers.
    const floats = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'alpha', encoding_format: 'float' });
    floats.data[0]!.embedding.forEach((value, i) => expect(value).toBeCloseTo(first.data[0]!.embedding[i]!, 5));
    expect(first.usage).toEqual({ prompt_tokens: 2, total_tokens: 2 });
  });

  it('serves legacy completions, JSON and streamed', async () => {
    const client = openai();
    const completion = await client.completions.create({ model: 'legacy', prompt: 'Say this' });
    expect(completion.choices[0]!.text).toBe('Say this');
    const stream = await client.completions.create({ model: 'legacy', prompt: 'Say that', stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? '';
    expect(text).toBe('Say that');
  });
});
