/** Makes the test CA and signing keys once, before any test process starts (they read, never write them). */
import { resolve } from 'node:path';

import { loadOrCreateSigningKeys } from './mock-idp/keys.ts';
import { loadOrCreateTls } from './mock-idp/tls.ts';

export default function setup(): void {
  const stateDir = resolve('.sandbox/test');
  loadOrCreateTls(stateDir, []);
  loadOrCreateSigningKeys(stateDir, 'localhost');
}
