/** mock-core's defaults, in one place. */
export const CORE_DEFAULTS = {
  /** Loopback only. */
  host: '127.0.0.1',
  /** DIAL Core's port. */
  port: 8080,
  /** The Core version emulated: the one compose pins (docs/dial-core.md#versions). */
  version: '0.39.2',
} as const;
