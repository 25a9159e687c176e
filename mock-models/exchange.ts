/** What every mock-models handler receives. */
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { ModelRegistry } from './registry.ts';

export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** Path parameters of the matched route, e.g. `deployment`. */
  params: Record<string, string>;
  registry: ModelRegistry;
}

export type Handler = (exchange: Exchange) => Promise<void> | void;
