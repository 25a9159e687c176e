/** mock-core started on its own, with settings and config given as objects (no environment folder). */
import type { Clock } from '../../common/clock.ts';
import { createMemoryLogger } from '../../common/log.ts';
import { createCore, type Core } from '../../mock-core/core.ts';
import type { JsonObject } from '../../mock-core/json-merge.ts';
import { loadStaticSettings, type StaticSettings } from '../../mock-core/settings.ts';

export function startCoreWith(settings: JsonObject, config: JsonObject, clock?: Clock): Promise<Core & { logs: string[] }> {
  return startCore(loadStaticSettings({ overrides: settings }), config, clock);
}

/** mock-core on a free port, its log kept in memory: out of the test output, and there to read. */
export async function startCore(settings: StaticSettings, config: JsonObject, clock?: Clock): Promise<Core & { logs: string[] }> {
  const log = createMemoryLogger('mock-core');
  const core = await createCore({ settings, config: { inline: config }, port: 0, clock, log });
  return Object.assign(core, { logs: log.lines });
}

/** A request to mock-core answering status, body text and Content-Type, for tables of expectations. */
export async function call(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  const response = await fetch(url, { method: init.method ?? 'GET', headers: init.headers, body: init.body });
  return { status: response.status, body: await response.text(), contentType: response.headers.get('content-type'), headers: response.headers };
}
