/**
 * Which client mock-core forwards with, while the two are compared: MOCK_CORE_UPSTREAM_CLIENT=undici for
 * undici's, the hand-written one otherwise (`npm run bench` measures both in the same run).
 */
import type { ClientTimeouts, UpstreamClient } from './client.ts';
import { Http1Client } from './http1-client.ts';
import { UndiciClient } from './undici-client.ts';

export function createUpstreamClient(timeouts: ClientTimeouts): UpstreamClient {
  return process.env.MOCK_CORE_UPSTREAM_CLIENT === 'undici' ? new UndiciClient(timeouts) : new Http1Client(timeouts);
}
