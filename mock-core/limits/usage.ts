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
    // What models send (counts, and objects of counts) is read without JSON.parse; anything else goes to it.
    const plain = plainUsage(body, start);
    return plain === NOT_PLAIN ? parsedUsage(body, start) : plain;
  }
  return undefined;
}

/** The usage object at `start` (a brace) as JSON.parse reads it, then tokenUsage. */
export function parsedUsage(text: string, start: number): TokenUsage | undefined {
  // Core parses from the brace on and stops after the object (Jackson leaves what follows unread).
  const end = objectEnd(text, start);
  if (end < 0) return undefined;
  try {
    return tokenUsage(JSON.parse(text.slice(start, end)) as Record<string, unknown>);
  } catch {
    return undefined;
  }
}

/** Where `: {` follows (only whitespace around the colon), the brace's index; else -1. */
function braceAfterColon(text: string, from: number): number {
  let i = pastWhitespace(text, from);
  if (text[i] !== ':') return -1;
  i = pastWhitespace(text, i + 1);
  return text[i] === '{' ? i : -1;
}

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

export const NOT_PLAIN = Symbol('not plain');
/** A top-level member holding an object. */
const OBJECT = Symbol('object');

/** The members tokenUsage reads, by their place in `values` below. */
const MEMBERS = ['prompt_tokens', 'promptTokens', 'completion_tokens', 'completionTokens', 'total_tokens', 'totalTokens', 'cost', 'aggCost'];

/**
 * The usage object at `start` read as JSON.parse and tokenUsage would read it, when it holds only what models
 * put there: members whose names have no escapes, and whose values are integers or objects of the same kind.
 * Anything else (a string, a fraction, an escape, an array, a literal, a syntax error) is NOT_PLAIN, for
 * JSON.parse to decide (parsedUsage). It spares each forwarded call's answer a JSON.parse of its usage
 * (~1 µs of mock-core's CPU a call); limits.test.ts holds the two readings to each other.
 */
export function plainUsage(text: string, start: number): TokenUsage | undefined | typeof NOT_PLAIN {
  const values: (number | typeof OBJECT | undefined)[] = new Array(MEMBERS.length).fill(undefined);
  let depth = 0;
  let i = start + 1;
  // `i` is just past a '{' (a member or '}' follows) or, with afterValue, just past a value (',' or '}').
  let afterValue = false;
  for (;;) {
    i = pastWhitespace(text, i);
    if (text.charCodeAt(i) === 0x7d /* } */) {
      i++;
      if (--depth < 0) break;
      afterValue = true;
      continue;
    }
    if (afterValue) {
      if (text.charCodeAt(i) !== 0x2c /* , */) return NOT_PLAIN;
      i = pastWhitespace(text, i + 1);
    }
    // A member: "name", a colon, then an integer or an object.
    if (text.charCodeAt(i) !== 0x22 /* " */) return NOT_PLAIN;
    const nameStart = ++i;
    for (let c = text.charCodeAt(i); c !== 0x22; c = text.charCodeAt(++i)) if (c === 0x5c || !(c >= 0x20)) return NOT_PLAIN; // an escape, a control character, or the end
    const member = depth === 0 ? memberAt(text, nameStart, i) : -1;
    i = pastWhitespace(text, i + 1);
    if (text.charCodeAt(i) !== 0x3a /* : */) return NOT_PLAIN;
    i = pastWhitespace(text, i + 1);
    if (text.charCodeAt(i) === 0x7b /* { */) {
      if (member >= 0) values[member] = OBJECT;
      depth++;
      i++;
      afterValue = false;
      continue;
    }
    const numberStart = i;
    if (text.charCodeAt(i) === 0x2d /* - */) i++;
    const first = text.charCodeAt(i);
    if (first === 0x30 /* 0 */) i++;
    else if (first >= 0x31 && first <= 0x39) for (let d = first; d >= 0x30 && d <= 0x39; d = text.charCodeAt(++i));
    else return NOT_PLAIN;
    // (A fraction or an exponent that follows is not a ',' or '}': NOT_PLAIN at the next turn.)
    // A repeated name: the last one, as JSON.parse.
    if (member >= 0) values[member] = Number(text.slice(numberStart, i));
    afterValue = true;
  }
  // As tokenUsage: the camel-case name when present, else the snake-case one; an object in either is no usage.
  const [promptSnake, promptCamel, completionSnake, completionCamel, totalSnake, totalCamel, cost, aggCost] = values;
  const prompt = (promptCamel ?? promptSnake) ?? 0;
  const completion = (completionCamel ?? completionSnake) ?? 0;
  const total = (totalCamel ?? totalSnake) ?? 0;
  if (prompt === OBJECT || completion === OBJECT || total === OBJECT || cost === OBJECT || aggCost === OBJECT) return undefined;
  return { prompt, completion, total };
}

/** The place in MEMBERS of the name text[from, to), or -1. */
function memberAt(text: string, from: number, to: number): number {
  for (let m = 0; m < MEMBERS.length; m++) if (MEMBERS[m]!.length === to - from && text.startsWith(MEMBERS[m]!, from)) return m;
  return -1;
}

/** The index of the first character from `i` on that is not JSON whitespace (space, LF, tab, CR). */
function pastWhitespace(text: string, i: number): number {
  for (let c = text.charCodeAt(i); c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d; c = text.charCodeAt(++i));
  return i;
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
