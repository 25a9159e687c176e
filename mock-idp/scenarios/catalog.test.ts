import { describe, expect, it } from 'vitest';

import { SCENARIOS, type ScenarioCatalog } from './catalog.ts';

describe('the scenario catalog', () => {
  it('does not compile a scenario named without its behaviour (tsc --noEmit checks the lines marked)', () => {
    const catalog = {
      'jwks-503': SCENARIOS['jwks-503'],
      // @ts-expect-error: a description alone is no scenario; it wants `at` and what it does there
      'jwks-flaky': { description: 'the JWKS answers every other request with 503' },
      // @ts-expect-error: a fault at an endpoint wants its `fault`
      'token-teapot': { description: '/oauth/token answers 418', at: 'token-endpoint' },
      // @ts-expect-error: a spoiled token wants its `spoil`, not an endpoint's fault
      'token-no-sub': { description: 'access tokens carry no sub', at: 'access-token', fault: SCENARIOS['token-500'].fault },
    } satisfies ScenarioCatalog;
    expect(Object.keys(catalog)).toHaveLength(4);
  });

  it('names each scenario after where it acts, so that the name tells the user', () => {
    const where = { jwks: /^jwks-/, discovery: /^discovery-/, 'token-endpoint': /^token-/, 'access-token': /^token-/ };
    expect(Object.entries(SCENARIOS).filter(([name, scenario]) => !where[scenario.at].test(name)).map(([name]) => name)).toEqual([]);
  });
});
