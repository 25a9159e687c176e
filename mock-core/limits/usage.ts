/**
 * Token usage read from an upstream's answer as Core reads it (TokenUsageParser, docs/dial-core.md#token-usage):
 * the last `"usage"` of the whole body, streamed or not, that is followed by `:` and an object; that object
 * read as Core's TokenUsage record: nested objects in it (`prompt_tokens_details`, …) and unknown fields
 * ignored, as Core does since PR #680; a field of the wrong kind makes it no usage at all.
 */
export interface TokenUsage {
  prompt: number;
  completion: number;
  total: number;
}

const USAGE = '"usage"';

export function usageOf(body: string): TokenUsage | undefined {
  // (lastIndexOf from -1 finds index 0 again: the search ends after the body's first character.)
  for (let at = body.lastIndexOf(USAGE); at >= 0; at = at === 0 ? -1 : body.lastIndexOf(USAGE, at - 1)) {
    const start = braceAfterColon(body, at + USAGE.length);
    if (start < 0) continue;
    // Core parses from the brace on and stops after the object (Jackson leaves what follows unread).
    const end = objectEnd(body, start);
    if (end < 0) return undefined;
    try {
      return tokenUsage(JSON.parse(body.slice(start, end)) as Record<string, unknown>);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Where `: {` follows (only whitespace around the colon), the brace's index; else -1. */
function braceAfterColon(text: string, from: number): number {
  let i = from;
  while (i < text.length && WHITESPACE.has(text[i]!)) i++;
  if (text[i] !== ':') return -1;
  i++;
  while (i < text.length && WHITESPACE.has(text[i]!)) i++;
  return text[i] === '{' ? i : -1;
}

const WHITESPACE = new Set([' ', '\n', '\t', '\r']);

/** The index just past the object that opens at `start`, strings and nesting respected; -1 when it never closes. */
function objectEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // a backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) depth++;
    else if ((c === 0x7d || c === 0x5d) && --depth === 0) return i + 1;
  }
  return -1;
}

/** TokenUsage's fields, snake or camel case, as Jackson fills a `long` (null is 0, a fraction is cut). */
function tokenUsage(usage: Record<string, unknown>): TokenUsage {
  const field = (snake: string, camel: string) => {
    const value = camel in usage ? usage[camel] : usage[snake];
    if (value === undefined || value === null) return 0;
    if (typeof value === 'number') return Math.trunc(value);
    if (typeof value === 'string' && /^[+-]?\d+$/.test(value.trim())) return Number(value);
    throw new TypeError(`${snake}: not a number`);
  };
  for (const decimal of ['cost', 'aggCost']) {
    const value = usage[decimal];
    if (value !== undefined && value !== null && typeof value !== 'number' && !(typeof value === 'string' && Number.isFinite(Number(value)))) throw new TypeError(`${decimal}: not a number`);
  }
  return { prompt: field('prompt_tokens', 'promptTokens'), completion: field('completion_tokens', 'completionTokens'), total: field('total_tokens', 'totalTokens') };
}
