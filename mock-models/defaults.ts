/** mock-models' defaults, in one place. */
export const MODELS_DEFAULTS = {
  /** Loopback only. */
  host: '127.0.0.1',
  /** The port of the tutorial's adapter URLs (http://localhost:7001/v1/openai/deployments/…). */
  port: 7001,
  /** Requests kept per model for tests to read. */
  recordLimit: 50,
  /** Length of embedding vectors when neither models.yaml nor the request says. */
  dimensions: 8,
} as const;
