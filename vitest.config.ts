import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

// The Auth0 SDKs insist on HTTPS. Node reads NODE_EXTRA_CA_CERTS only at process start, so the test CA
// is made in globalSetup and handed to every test process through `env` (with the forks pool).
const stateDir = resolve('.sandbox/test');
const env = { NODE_EXTRA_CA_CERTS: resolve(stateDir, 'tls/ca.pem'), SANDBOX_TEST_STATE_DIR: stateDir };

export default defineConfig({
  test: {
    pool: 'forks',
    // Most test files wait on servers and child processes rather than compute: two at a time even on two
    // cores (vitest's default would be one) halves the suite's wall time.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    globalSetup: ['./vitest.global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    restoreMocks: true,
    unstubEnvs: true,
    projects: [
      // Everything, the end-to-end suite against the embedded target included.
      { extends: true, test: { name: 'default', include: ['**/*.test.ts'], exclude: ['node_modules/**', 'dist/**'], env: { ...env, SANDBOX_TARGET: 'embedded' } } },
      // The same end-to-end suite against compose.yaml (real DIAL images); skipped, with the reason, without Docker.
      // One file at a time: each brings compose.yaml up on its fixed host ports.
      { extends: true, test: { name: 'e2e-compose', include: ['test/e2e/**/*.test.ts'], env: { ...env, SANDBOX_TARGET: 'compose' }, hookTimeout: 300_000, fileParallelism: false } },
      // The same against compose.lite.yaml: the real DIAL Chat against mock-core (no JVM, no Redis).
      { extends: true, test: { name: 'e2e-compose-lite', include: ['test/e2e/**/*.test.ts'], env: { ...env, SANDBOX_TARGET: 'compose-lite' }, hookTimeout: 300_000, fileParallelism: false } },
      // The same suite against an IdP and a Core running elsewhere (SANDBOX_IDP_URL, SANDBOX_CORE_URL, and
      // SANDBOX_CA_FILE for that IdP's CA); skipped, with the reason, without them.
      { extends: true, test: { name: 'e2e-external', include: ['test/e2e/**/*.test.ts'], env: { ...env, SANDBOX_TARGET: 'external', NODE_EXTRA_CA_CERTS: process.env.SANDBOX_CA_FILE ?? env.NODE_EXTRA_CA_CERTS }, fileParallelism: false } },
    ],
  },
});
