import { describe, expect, it } from 'vitest';

import { countPromptTokens, countTokens, tokenize } from './tokenizer.ts';

describe('the stub tokenizer', () => {
  it('splits words and punctuation, keeping the white space before each token, so the tokens join back to the text', () => {
    expect(tokenize('Hello, world!')).toEqual(['Hello', ',', ' world', '!']);
    expect(tokenize('  two  spaces ').join('')).toBe('  two  spaces');
    expect(countTokens('')).toBe(0);
    expect(countTokens('Größe 42 über_alles')).toBe(3);
  });

  it('counts a chat prompt as the tokens of every content plus one per message', () => {
    expect(countPromptTokens([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: [{ type: 'text', text: 'Hi there' }] }])).toBe(1 + 3 + 1 + 2);
  });
});
