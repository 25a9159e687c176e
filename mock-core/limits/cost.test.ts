import { describe, expect, it } from 'vitest';

import { costOf, nanoDollars, UNLIMITED_COST, usd } from './cost.ts';

// docs/dial-core.md#cost (CostRateLimit, ModelCostCalculator).
describe('costs as Core prices them', () => {
  it('reads dollars written as numbers or strings, exactly to the nano-dollar', () => {
    expect(nanoDollars('0.001')).toBe(1_000_000);
    expect(nanoDollars(0.0000015)).toBe(1500);
    expect(nanoDollars('1e-7')).toBe(100);
    expect(nanoDollars('20.00')).toBe(20_000_000_000);
    expect(nanoDollars('9223372036854775807')).toBe(UNLIMITED_COST);
    for (const bad of ['abc', '', '1,5', '0x10']) expect(() => nanoDollars(bad)).toThrow(/not a number/);
  });

  it("writes amounts in Java's US currency format, rounding half to even", () => {
    expect(usd(nanoDollars('0.2'))).toBe('$0.20');
    expect(usd(nanoDollars('1234.567'))).toBe('$1,234.57');
    expect(usd(nanoDollars('0.125'))).toBe('$0.12');
    expect(usd(nanoDollars('0.135'))).toBe('$0.14');
    expect(usd(0)).toBe('$0.00');
    expect(usd(UNLIMITED_COST)).toBe('$9,223,372,036,854,775,807.00');
  });

  it('prices by token from the usage, or by character without spaces from the prompt and the answer', () => {
    const byToken = { unit: 'token', prompt: nanoDollars('0.001'), completion: nanoDollars('0.002') };
    expect(costOf(byToken, 'chat', {}, '{}', { prompt: 50, completion: 25, total: 75 })).toBe(nanoDollars('0.1'));
    expect(costOf(byToken, 'chat', {}, '{}', undefined)).toBeUndefined();
    expect(costOf({ ...byToken, completion: undefined }, 'chat', {}, '{}', { prompt: 50, completion: 25, total: 75 })).toBe(nanoDollars('0.05'));

    const byCharacter = { unit: 'char_without_whitespace', prompt: 1, completion: 10 };
    const request = { messages: [{ role: 'user', content: 'a b c' }, { role: 'assistant', content: 'dd\tee' }] };
    // Prompt: "abc" 3 + "dd\tee" 5 (a tab counts: Core skips only the space). Answer "x y" 2, at 10 each.
    expect(costOf(byCharacter, 'chat', request, '{"choices":[{"message":{"content":"x y"}}]}', undefined)).toBe(8 + 20);
    const stream = 'data: {"choices":[{"delta":{"content":"x "}}]}\n\ndata: {"choices":[{"delta":{"content":"yz"}}]}\n\ndata: [DONE]\n\n';
    expect(costOf(byCharacter, 'chat', request, stream, undefined)).toBe(8 + 30);
    expect(costOf(byCharacter, 'embedding', { input: ['a b', 'cd'] }, '{"data":[]}', undefined)).toBe(4);

    // Core reads every answer as a chat's: a completion's choice has no message, and pricing it fails.
    expect(() => costOf(byCharacter, 'completion', { input: 'a b' }, '{"choices":[{"text":"xy"}]}', undefined)).toThrow(/no message/);
    expect(costOf(byCharacter, 'chat', request, '{"error":{"message":"busy"}}', undefined)).toBe(8);
    expect(costOf({ unit: 'image', prompt: 1 }, 'chat', request, '{}', undefined)).toBeUndefined();
    expect(costOf(undefined, 'chat', request, '{}', undefined)).toBeUndefined();
  });
});
