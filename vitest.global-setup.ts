/**
 * Makes the test CA and signing keys once, before any test process starts (they read, never write them),
 * and clears the shared state folder of what a run may have left: a test that changes users or stored
 * resources takes a folder of its own (privateStateDir), and none of that may reach the next run.
 */
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { loadOrCreateSigningKeys } from './mock-idp/keys.ts';
import { loadOrCreateTls } from './mock-idp/tls.ts';

export default function setup(): void {
  const stateDir = resolve('.sandbox/test');
  for (const left of ['directory.journal', 'directory.json', 'core']) rmSync(join(stateDir, left), { recursive: true, force: true });
  loadOrCreateTls(stateDir, []);
  loadOrCreateSigningKeys(stateDir, 'localhost');
}
