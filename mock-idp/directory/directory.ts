/**
 * The tenant's users and roles as the Management API changes them. It starts from tenant.yaml; every change
 * is made durable in the state folder's journal (directory-journal.ts) before it is applied, so what was
 * answered survives a restart or a crash, and a change that cannot be stored changes nothing. `reset()`
 * goes back to the tenant as defined.
 *
 * Users and roles are replaced, never edited in place: a change is a list of whole new records, so memory
 * and disk only ever hold states that were acknowledged.
 */
import { createHash, randomBytes } from 'node:crypto';

import type { Logger } from '../../common/log.ts';
import type { UserStore } from '../accounts.ts';
import { ManagementError } from '../errors.ts';
import type { Role, Tenant, TenantUser } from '../tenant.ts';
import { DirectoryJournal, type DirectoryChange } from './directory-journal.ts';

export class Directory implements UserStore {
  readonly #users = new Map<string, TenantUser>();
  readonly #byEmail = new Map<string, TenantUser>();
  readonly #roles = new Map<string, Role>();
  #version = 0;
  readonly #journal: DirectoryJournal;
  readonly #tenant: Tenant;
  readonly #defined: string;
  readonly #log: Logger | undefined;

  constructor(stateDir: string, tenant: Tenant, log?: Logger) {
    this.#journal = new DirectoryJournal(stateDir);
    this.#tenant = tenant;
    this.#defined = definitionHash(tenant);
    this.#log = log;
    const { snapshot, writes } = this.#journal.load();
    if (snapshot && snapshot.defined !== this.#defined) {
      log?.warn(`${this.#journal.files[0]} holds Management API changes made to an earlier tenant.yaml; it is kept. \`dial-sandbox reset\` takes the new definition.`);
    }
    this.#replace(snapshot ?? fromTenant(tenant));
    for (const changes of writes) this.#apply(changes);
  }

  /** Moves on every change (a Management API write, a reset): whoever shows the directory compares it. */
  get version(): number {
    return this.#version;
  }

  get users(): TenantUser[] {
    return [...this.#users.values()];
  }

  get roles(): Role[] {
    return [...this.#roles.values()];
  }

  /** The user, or Auth0's 404. */
  user(id: string): TenantUser {
    const user = this.#users.get(id);
    if (!user) throw new ManagementError(404, 'The user does not exist.', 'inexistent_user');
    return user;
  }

  /** The role, or Auth0's 404. */
  role(id: string): Role {
    const role = this.#roles.get(id);
    if (!role) throw new ManagementError(404, 'The role does not exist.', 'inexistent_role');
    return role;
  }

  userById(id: string): TenantUser | undefined {
    return this.#users.get(id);
  }

  userByEmail(email: string): TenantUser | undefined {
    return this.#byEmail.get(email.trim().toLowerCase());
  }

  roleNamed(name: string): Role | undefined {
    for (const role of this.#roles.values()) if (role.name === name) return role;
    return undefined;
  }

  /**
   * Stores `changes` and then applies them, all or none: when the disk refuses, the directory stays as it
   * was and the caller gets a 503 saying so.
   */
  commit(changes: DirectoryChange[]): void {
    if (!changes.length) return;
    try {
      this.#journal.append(changes);
    } catch (error) {
      this.#log?.error(`a Management API change could not be stored in the state folder, so it was not made: ${(error as Error).message}`);
      throw new ManagementError(503, `The sandbox could not store this change (${(error as Error).message}); nothing was changed.`, 'temporarily_unavailable');
    }
    this.#apply(changes);
    if (this.#journal.wantsCompaction) this.#compact();
  }

  /** Back to the tenant as defined; the stored state is removed. */
  reset(): void {
    this.#journal.remove();
    this.#replace(fromTenant(this.#tenant));
  }

  close(): void {
    this.#journal.close();
  }

  #compact(): void {
    try {
      this.#journal.compact({ defined: this.#defined, users: this.users, roles: this.roles });
    } catch (error) {
      // Nothing is lost: every change is still in the journal, which goes on growing until a compaction works.
      this.#log?.warn(`could not fold the directory's journal into ${this.#journal.files[0]}: ${(error as Error).message}`);
    }
  }

  #apply(changes: DirectoryChange[]): void {
    this.#version++;
    for (const change of changes) {
      if ('user' in change) {
        const before = this.#users.get(change.user.user_id);
        if (before) this.#byEmail.delete(before.email.toLowerCase());
        this.#users.set(change.user.user_id, change.user);
        this.#byEmail.set(change.user.email.toLowerCase(), change.user);
      } else if ('deleteUser' in change) {
        const before = this.#users.get(change.deleteUser);
        if (before) this.#byEmail.delete(before.email.toLowerCase());
        this.#users.delete(change.deleteUser);
      } else if ('role' in change) {
        this.#roles.set(change.role.id, change.role);
      } else {
        this.#roles.delete(change.deleteRole);
      }
    }
  }

  #replace(state: { users: TenantUser[]; roles: Role[] }): void {
    this.#users.clear();
    this.#byEmail.clear();
    this.#roles.clear();
    this.#apply([...state.users.map((user) => ({ user })), ...state.roles.map((role) => ({ role }))]);
  }
}

export const newRoleId = (): string => `rol_${randomBytes(12).toString('base64url').replace(/[-_]/g, '0').slice(0, 16)}`;
export const newUserId = (): string => `auth0|${randomBytes(12).toString('hex')}`;

function fromTenant(tenant: Tenant): { users: TenantUser[]; roles: Role[] } {
  return structuredClone({ users: tenant.users, roles: tenant.roles });
}

/** What tenant.yaml defines of the directory; its users' timestamps (the file's time) change with a mere touch. */
function definitionHash(tenant: Tenant): string {
  const users = tenant.users.map(({ created_at: _created, updated_at: _updated, ...defined }) => defined);
  return createHash('sha256').update(JSON.stringify({ users, roles: tenant.roles })).digest('hex').slice(0, 16);
}
