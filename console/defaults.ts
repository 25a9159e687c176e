/** Where the console listens, and the sizes that keep it from slowing the sandbox it watches. */
export const CONSOLE_DEFAULTS = {
  /** Always loopback: the console changes roles, keys and the clock, so it is for this machine alone. */
  host: '127.0.0.1',
  port: 4100,
} as const;

export const FEED = {
  /** Events sent on connect, newest last. */
  backlog: 500,
  /** How often the timeline's new events are shaped and sent, as one message. */
  flushMs: 100,
  /** Events shaped per flush at most; the rest are counted as dropped. */
  perFlush: 200,
  /** Events waiting between flushes at most. */
  pending: 2_000,
  /** A browser this far behind (bytes not yet taken by its socket) misses batches until it catches up. */
  slowClientBytes: 1024 * 1024,
  /** How often the directory, Core's config, the scenario, the clock and the keys are compared, while a browser watches. */
  changesMs: 500,
  heartbeatMs: 15_000,
} as const;

/** Matrix rows drawn at most (a Management bench's 10,000 users must not make the console mint 10,000 tokens). */
export const MATRIX_ROWS = 100;

/** Request bodies the console reads at most. */
export const BODY_LIMIT = 64 * 1024;
