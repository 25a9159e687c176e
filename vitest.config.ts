import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

// The Auth0 SDKs insist on HTTPS. Node reads NODE_EXTRA_CA_CERTS only at process start, so the test CA
// is made in globalSetup and handed to every test process through `env` (with the forks pool).
const stateDir = resolve('.sandbox/test');

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**'],
    pool: 'forks',
    globalSetup: ['./vitest.global-setup.ts'],
    env: { NODE_EXTRA_CA_CERTS: resolve(stateDir, 'tls/ca.pem'), SANDBOX_TEST_STATE_DIR: stateDir },
    testTimeout: 20_000,
    hookTimeout: 20_000,
    restoreMocks: true,
    unstubEnvs: true,
  },
});
