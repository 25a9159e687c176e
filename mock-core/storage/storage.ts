/**
 * The storage API's state in a running mock-core: bucket names, the stored resources, and what is shared
 * (docs/dial-core.md#storage). Kept under the state folder when mock-core is given one.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import type { Principal } from '../auth/authenticate.ts';
import type { StorageSettings } from '../settings.ts';
import { BlobStore } from './blob-store.ts';
import { BucketCipher } from './bucket-cipher.ts';
import type { AccessRules } from './resource-access.ts';
import { locationOf } from './locations.ts';
import { Shares } from './shares.ts';

export class Storage {
  readonly cipher: BucketCipher;
  readonly blobs: BlobStore;
  readonly shares: Shares;
  readonly settings: StorageSettings;
  readonly access: AccessRules;
  readonly now: () => number;

  /** `folder`: where to keep it all (the sandbox gives `<state folder>/core`); none keeps it in memory. */
  constructor(settings: StorageSettings, folder: string | undefined, now: () => number) {
    this.settings = settings;
    this.now = now;
    this.cipher = new BucketCipher(settings.encryption.secret, settings.encryption.key);
    this.blobs = new BlobStore({ folder, now });
    this.shares = new Shares(folder, this.cipher);
    this.access = { adminRules: settings.adminRules, shares: this.shares };
  }

  /** Every resource and share removed; how many resources there were. */
  async clear(): Promise<number> {
    const removed = await this.blobs.clear();
    this.shares.clear();
    return removed;
  }

  /** The caller's own bucket, as Core's BucketBuilder names it (docs/dial-core.md#bucket-answer). */
  bucketOf(caller: Principal): string {
    return this.cipher.encrypt(locationOf(caller));
  }
}

/** The folder under a state folder where mock-core keeps resources and shares. */
export const storageFolder = (stateDir: string) => join(stateDir, 'core');

/** A stopped mock-core's resources and shares removed; true when there were any. */
export function removeSavedStorage(stateDir: string): boolean {
  const folder = storageFolder(stateDir);
  const existed = existsSync(folder);
  rmSync(folder, { recursive: true, force: true });
  return existed;
}
