/**
 * Token usage read from an upstream's answer as Core reads it (TokenUsageParser,
 * docs/dial-core.md#token-usage): the last `"usage": {…}` in the whole body, streamed or not, with scalar
 * fields only; a nested object inside it, or none at all, is no usage. That is Core 0.18's rule: since
 * PR #680 Core counts a usage with nested objects, and the sandbox does not yet.
 */
export interface TokenUsage {
  prompt: number;
  completion: number;
  total: number;
}

export function usageOf(body: string): TokenUsage | undefined {
  let at = body.lastIndexOf('"usage"');
  while (at >= 0) {
    const rest = body.slice(at + '"usage"'.length);
    const open = /^\s*:\s*\{/.exec(rest);
    if (open) {
      const start = at + '"usage"'.length + open[0].length - 1;
      const end = body.indexOf('}', start);
      const inner = body.slice(start + 1, end < 0 ? undefined : end);
      if (end < 0 || inner.includes('{')) return undefined; // Core 0.18: a nested object fails the parse
      try {
        const usage = JSON.parse(body.slice(start, end + 1)) as Record<string, unknown>;
        const count = (field: string) => (typeof usage[field] === 'number' ? usage[field] : 0);
        return { prompt: count('prompt_tokens'), completion: count('completion_tokens'), total: count('total_tokens') };
      } catch {
        return undefined;
      }
    }
    at = body.lastIndexOf('"usage"', at - 1);
  }
  return undefined;
}
