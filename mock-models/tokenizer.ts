/**
 * The stub models' tokenizer: deterministic and simple enough to count by hand, so DIAL's token limits can be
 * exercised to the token. A token is a run of letters, digits and underscores, or any other single
 * character that is not white space, together with the white space before it:
 *   "Hello, world!" → ["Hello", ",", " world", "!"]  (4 tokens)
 */
const TOKEN = /\s*(?:[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_])/gu;

export function tokenize(text: string): string[] {
  return text.match(TOKEN) ?? [];
}

export function countTokens(text: string): number {
  return tokenize(text).length;
}

/** A chat prompt's tokens: each message's content, plus one for its role. */
export function countPromptTokens(messages: readonly { role?: unknown; content?: unknown }[]): number {
  return messages.reduce((sum, message) => sum + 1 + countTokens(contentText(message.content)), 0);
}

/** The text of a message's content: a string, or the text parts of an array of parts. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((part) => (part && typeof part === 'object' && typeof part.text === 'string' ? part.text : '')).join('');
  }
  return '';
}
