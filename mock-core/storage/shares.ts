/**
 * What users shared, as Core's ShareService and InvitationService keep it (docs/dial-core.md#sharing): an
 * owner's invitations (links naming resources and permissions), and for each user the resources shared with
 * them by accepting one. A folder shared covers everything below it. Kept in one JSON file written whole
 * (temporary file, fsync, rename) before a change is answered.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

import { writeFileAtomic } from '../../common/atomic-file.ts';
import type { BucketCipher } from './bucket-cipher.ts';
import type { Permission, Permissions, SharedAccess } from './resource-access.ts';
import type { Resource } from './resource-url.ts';

export interface SharedResource {
  url: string;
  permissions: Permission[];
}

export interface Invitation {
  id: string;
  resources: SharedResource[];
  createdAt: number;
  expireAt: number;
  author: string | null;
}

interface SharesState {
  /** Invitations by id, with the owner's location. */
  invitations: Record<string, Invitation & { owner: string }>;
  /** For each user's location: resource URL → the permissions shared with them. */
  sharedWith: Record<string, Record<string, Permission[]>>;
}

const FILE = 'shares.json';

export class Shares implements SharedAccess {
  readonly #file: string | undefined;
  readonly #cipher: BucketCipher;
  #state: SharesState = { invitations: {}, sharedWith: {} };

  constructor(folder: string | undefined, cipher: BucketCipher) {
    this.#file = folder && join(folder, FILE);
    this.#cipher = cipher;
    if (this.#file && existsSync(this.#file)) this.#state = readState(this.#file);
  }

  permissionsOf(userLocation: string, resource: Resource): Permissions {
    const shared = this.#state.sharedWith[userLocation];
    if (!shared) return new Set();
    const found = new Set<Permission>();
    // The resource's own URL, then each parent folder's: a folder's share covers what is inside.
    let url = resource.url;
    for (;;) {
      for (const permission of shared[url] ?? []) found.add(permission);
      const parent = parentUrl(url);
      if (!parent) return found;
      url = parent;
    }
  }

  /** A new invitation link for resources in the owner's bucket. */
  invite(owner: string, resources: SharedResource[], now: number, ttlMs: number, author: string | null): Invitation {
    const id = this.#cipher.encrypt(`${owner}invitations/${randomBytes(16).toString('hex')}`);
    const invitation = { id, resources, createdAt: now, expireAt: now + ttlMs, author };
    this.#commit({ ...this.#state, invitations: { ...this.#state.invitations, [id]: { ...invitation, owner } } });
    return invitation;
  }

  /** An invitation still in force (an expired one is removed on the way, as Core does). */
  invitation(id: string, now: number): (Invitation & { owner: string }) | undefined {
    const found = Object.hasOwn(this.#state.invitations, id) ? this.#state.invitations[id] : undefined;
    if (found && found.expireAt <= now) {
      this.#dropInvitations([id]);
      return undefined;
    }
    return found;
  }

  invitationsOf(owner: string, now: number): Invitation[] {
    const expired = Object.values(this.#state.invitations).filter((i) => i.expireAt <= now).map((i) => i.id);
    if (expired.length) this.#dropInvitations(expired);
    return Object.values(this.#state.invitations).filter((i) => i.owner === owner).map(({ owner: _, ...invitation }) => invitation);
  }

  deleteInvitation(id: string): void {
    this.#dropInvitations([id]);
  }

  /** The invitation's resources shared with the user (permissions added to what they had). */
  accept(userLocation: string, invitation: Invitation): void {
    const shared = { ...this.#state.sharedWith[userLocation] };
    for (const { url, permissions } of invitation.resources) shared[url] = [...new Set([...(shared[url] ?? []), ...permissions])];
    this.#commit({ ...this.#state, sharedWith: { ...this.#state.sharedWith, [userLocation]: shared } });
  }

  /** What is shared with the user (`with: me`), or what the owner's bucket shares with anyone (`with: others`). */
  sharedWithUser(userLocation: string): SharedResource[] {
    return Object.entries(this.#state.sharedWith[userLocation] ?? {}).map(([url, permissions]) => ({ url, permissions }));
  }

  sharedByBucket(bucket: string): SharedResource[] {
    const union = new Map<string, Set<Permission>>();
    for (const shared of Object.values(this.#state.sharedWith)) {
      for (const [url, permissions] of Object.entries(shared)) {
        if (bucketOfUrl(url) !== bucket) continue;
        const set = union.get(url) ?? new Set();
        for (const p of permissions) set.add(p);
        union.set(url, set);
      }
    }
    return [...union].map(([url, permissions]) => ({ url, permissions: [...permissions] }));
  }

  /** The user no longer sees these (Core's discard). */
  discard(userLocation: string, urls: string[]): void {
    const shared = { ...this.#state.sharedWith[userLocation] };
    for (const url of urls) delete shared[url];
    this.#commit({ ...this.#state, sharedWith: { ...this.#state.sharedWith, [userLocation]: shared } });
  }

  /** The owner takes permissions back from everyone, and out of the invitations not yet accepted. */
  revoke(revoked: Map<string, ReadonlySet<Permission>>): void {
    const strip = (url: string, permissions: Permission[]) => (revoked.has(url) ? permissions.filter((p) => !revoked.get(url)!.has(p)) : permissions);
    const sharedWith: SharesState['sharedWith'] = {};
    for (const [user, shared] of Object.entries(this.#state.sharedWith)) {
      sharedWith[user] = Object.fromEntries(Object.entries(shared).map(([url, p]) => [url, strip(url, p)] as const).filter(([, p]) => p.length > 0));
    }
    const invitations: SharesState['invitations'] = {};
    for (const [id, invitation] of Object.entries(this.#state.invitations)) {
      const resources = invitation.resources.map((r) => ({ url: r.url, permissions: strip(r.url, r.permissions) })).filter((r) => r.permissions.length > 0);
      // An invitation left with nothing to give is deleted.
      if (resources.length > 0) invitations[id] = { ...invitation, resources };
    }
    this.#commit({ invitations, sharedWith });
  }

  /** Everyone the source is shared with gets the same on the destination (Core's share/copy). */
  copy(sourceUrl: string, destinationUrl: string): void {
    const sharedWith: SharesState['sharedWith'] = {};
    for (const [user, shared] of Object.entries(this.#state.sharedWith)) {
      sharedWith[user] = shared[sourceUrl] ? { ...shared, [destinationUrl]: [...new Set([...(shared[destinationUrl] ?? []), ...shared[sourceUrl]])] } : shared;
    }
    this.#commit({ ...this.#state, sharedWith });
  }

  /** A deleted resource: out of every share and invitation. */
  forget(urls: string[]): void {
    const gone = new Set(urls);
    if (!this.#mentionsAny(gone)) return;
    this.revoke(new Map(urls.map((url) => [url, new Set<Permission>(['READ', 'WRITE'])])));
  }

  /** A resource moved within its bucket: shares and invitations follow it to the new URL. */
  rename(from: string, to: string): void {
    if (!this.#mentionsAny(new Set([from]))) return;
    const move = (url: string) => (url === from ? to : url);
    const sharedWith: SharesState['sharedWith'] = {};
    for (const [user, shared] of Object.entries(this.#state.sharedWith)) sharedWith[user] = Object.fromEntries(Object.entries(shared).map(([url, p]) => [move(url), p]));
    const invitations: SharesState['invitations'] = {};
    for (const [id, invitation] of Object.entries(this.#state.invitations)) invitations[id] = { ...invitation, resources: invitation.resources.map((r) => ({ ...r, url: move(r.url) })) };
    this.#commit({ invitations, sharedWith });
  }

  clear(): void {
    this.#commit({ invitations: {}, sharedWith: {} });
  }

  #mentionsAny(urls: ReadonlySet<string>): boolean {
    return Object.values(this.#state.sharedWith).some((shared) => Object.keys(shared).some((url) => urls.has(url))) || Object.values(this.#state.invitations).some((i) => i.resources.some((r) => urls.has(r.url)));
  }

  #dropInvitations(ids: string[]): void {
    const invitations = { ...this.#state.invitations };
    for (const id of ids) delete invitations[id];
    this.#commit({ ...this.#state, invitations });
  }

  /** The new state is on disk before anyone sees it. */
  #commit(next: SharesState): void {
    if (this.#file) writeFileAtomic(this.#file, JSON.stringify(next), 0o600);
    this.#state = next;
  }
}

/** `files/<bucket>/a/b` → `files/<bucket>/a/`; the bucket's root has no parent. */
function parentUrl(url: string): string | undefined {
  const trimmed = url.endsWith('/') ? url.slice(0, -1) : url;
  const slash = trimmed.lastIndexOf('/');
  const parent = trimmed.slice(0, slash + 1);
  // A share of the bucket's root covers nothing below it: Core's walk up stops at the top folder.
  return parent.split('/').length > 3 ? parent : undefined;
}

function bucketOfUrl(url: string): string {
  return url.split('/')[1] ?? '';
}

function readState(file: string): SharesState {
  // A temporary file beside it is a write a crash cut short: never acknowledged, so dropped.
  const folder = dirname(file);
  for (const name of readdirSync(folder)) if (name.startsWith(`${basename(file)}.`) && name.endsWith('.tmp')) rmSync(join(folder, name), { force: true });
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as SharesState;
  } catch (error) {
    throw new Error(`${file} is damaged (${(error as Error).message}); \`dial-sandbox reset\` removes the stored resources and shares with the directory.`);
  }
}
