/**
 * What a call costs, as Core prices it (ModelCostCalculator; docs/dial-core.md#cost): a
 * model's `pricing` turns each successful answer into US dollars, per token (`unit: "token"`: prompt and
 * completion tokens from the answer's usage) or per character (`unit: "char_without_whitespace"`: the
 * characters of the prompt and of the answer, spaces not counted). Other units, or none, cost nothing.
 *
 * Money is kept in whole nano-dollars, so sums stay exact: prices count to 9 decimal places (Core keeps
 * decimals exactly, as BigDecimal).
 */
import type { TokenUsage } from './usage.ts';

const NANOS_PER_DOLLAR = 1e9;
/** Core's unlimited budget, Long.MAX_VALUE dollars. */
export const UNLIMITED_COST = 9223372036854775807 * NANOS_PER_DOLLAR;
const UNLIMITED_COST_TEXT = '$9,223,372,036,854,775,807.00';

/** Dollars as Core reads them from its config (a number, or a string holding one), in nano-dollars. */
export function nanoDollars(value: number | string): number {
  const dollars = typeof value === 'number' ? value : /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isFinite(dollars)) throw new Error(`not a number: ${JSON.stringify(value)}`);
  return Math.min(Math.round(dollars * NANOS_PER_DOLLAR), UNLIMITED_COST);
}

/** Nano-dollars as a number of dollars, for JSON answers. */
export function dollars(nanos: number): number {
  return nanos / NANOS_PER_DOLLAR;
}

/** "$1,234.57", as Java's US currency format writes it (rounding half to even). */
export function usd(nanos: number): string {
  if (nanos >= UNLIMITED_COST) return UNLIMITED_COST_TEXT;
  const perCent = NANOS_PER_DOLLAR / 100;
  const whole = Math.floor(nanos / perCent);
  const rest = nanos - whole * perCent;
  const cents = rest > perCent / 2 || (rest === perCent / 2 && whole % 2 === 1) ? whole + 1 : whole;
  return `$${String(Math.floor(cents / 100)).replace(/\B(?=(\d{3})+$)/g, ',')}.${String(cents % 100).padStart(2, '0')}`;
}

export interface Pricing {
  unit?: string;
  /** Nano-dollars per unit of the prompt. */
  prompt?: number;
  /** Nano-dollars per unit of the answer. */
  completion?: number;
}

/** What an answer of `type` cost under `pricing`; undefined when it is not priced. */
export function costOf(pricing: Pricing | undefined, type: string | undefined, request: unknown, answer: string, usage: TokenUsage | undefined): number | undefined {
  if (!pricing) return undefined;
  const priced = (promptUnits: number, completionUnits: number) =>
    pricing.prompt === undefined && pricing.completion === undefined ? undefined : promptUnits * (pricing.prompt ?? 0) + completionUnits * (pricing.completion ?? 0);
  switch (pricing.unit) {
    case 'token':
      return usage && priced(usage.prompt, usage.completion);
    case 'char_without_whitespace':
      return priced(promptCharacters(type, request), type === 'embedding' ? 0 : answerCharacters(answer));
    default:
      return undefined;
  }
}

/** Core counts every character but the space (tabs and newlines count). */
function nonSpaceCharacters(text: unknown): number {
  return typeof text === 'string' ? text.length - text.split(' ').length + 1 : 0;
}

/** A chat's message contents, or a completion's or an embedding's `input` (text or a list of texts). */
function promptCharacters(type: string | undefined, request: unknown): number {
  const body = request as { messages?: { content?: unknown }[]; input?: unknown };
  if (type === 'chat') return (body.messages ?? []).reduce((sum, message) => sum + nonSpaceCharacters(message?.content), 0);
  return Array.isArray(body.input) ? body.input.reduce((sum: number, text) => sum + nonSpaceCharacters(text), 0) : nonSpaceCharacters(body.input);
}

/**
 * The answer's text: its first choice's message, or every streamed delta of the first choice. An answer
 * without `choices` (an error) is 0; a choice without `message` (or `delta`) fails, as Core's reading of it
 * does (a completion model's answer, for one), and Core then charges nothing.
 */
function answerCharacters(answer: string): number {
  const firstChoice = (json: string, field: 'message' | 'delta') => {
    const choices = (JSON.parse(json) as { choices?: Record<string, { content?: unknown } | undefined>[] }).choices;
    if (!choices) return 0;
    const part = choices[0]?.[field];
    if (!part) throw new Error(`the first choice has no ${field}`);
    return nonSpaceCharacters(part.content);
  };
  if (!answer.startsWith('data:')) return firstChoice(answer, 'message');
  let count = 0;
  for (const event of answer.split(/\n+data: */)) {
    const data = event.replace(/^data: */, '');
    if (data.startsWith('[DONE]')) break;
    count += firstChoice(data, 'delta');
  }
  return count;
}
