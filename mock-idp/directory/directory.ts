/**
 * The tenant's users and roles as the Management API changes them. It starts from tenant.yaml and keeps
 * every change in `<state>/directory.json`, written atomically before the change is acknowledged, so a
 * restart (or a crash) keeps what was answered. `reset()` goes back to the tenant as defined.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { writeFileAtomic } from '../../common/atomic-file.ts';
import type { Logger } from '../../common/log.ts';
import { ManagementError } from '../management/management-error.ts';
import type { Role, Tenant, TenantUser } from '../tenant.ts';

interface DirectoryFile {
  /** A hash of tenant.yaml's users and roles when this state began: a changed definition is worth a warning. */
  defined: string;
  users: TenantUser[];
  roles: Role[];
}

export const DIRECTORY_FILE = 'directory.json';

export class Directory {
  /** Shared with Accounts by reference: changes are seen by logins at once. */
  readonly users: TenantUser[] = [];
  readonly roles: Role[] = [];
  readonly #file: string;
  readonly #tenant: Tenant;
  readonly #defined: string;

  constructor(stateDir: string, tenant: Tenant, log?: Logger) {
    this.#file = join(stateDir, DIRECTORY_FILE);
    this.#tenant = tenant;
    this.#defined = definitionHash(tenant);
    const saved = existsSync(this.#file) ? (JSON.parse(readFileSync(this.#file, 'utf8')) as DirectoryFile) : undefined;
    if (saved && saved.defined !== this.#defined) {
      log?.warn(`${this.#file} holds Management API changes made to an earlier tenant.yaml; it is kept. \`dial-sandbox reset\` takes the new definition.`);
    }
    this.#replace(saved ?? fromTenant(tenant));
  }

  /** Back to the tenant as defined; the state file is removed. */
  reset(): void {
    rmSync(this.#file, { force: true });
    this.#replace(fromTenant(this.#tenant));
  }

  user(id: string): TenantUser {
    const user = this.users.find((u) => u.user_id === id);
    if (!user) throw new ManagementError(404, 'The user does not exist.', 'inexistent_user');
    return user;
  }

  role(id: string): Role {
    const role = this.roles.find((r) => r.id === id);
    if (!role) throw new ManagementError(404, 'The role does not exist.', 'inexistent_role');
    return role;
  }

  /** Applies a change and keeps it: the file is written before the caller answers. */
  change<T>(apply: () => T): T {
    const result = apply();
    writeFileAtomic(this.#file, `${JSON.stringify({ defined: this.#defined, users: this.users, roles: this.roles } satisfies DirectoryFile)}\n`, 0o600);
    return result;
  }

  #replace(state: Pick<DirectoryFile, 'users' | 'roles'>): void {
    this.users.splice(0, this.users.length, ...state.users);
    this.roles.splice(0, this.roles.length, ...state.roles);
  }
}

export const newRoleId = (): string => `rol_${randomBytes(12).toString('base64url').replace(/[-_]/g, '0').slice(0, 16)}`;
export const newUserId = (): string => `auth0|${randomBytes(12).toString('hex')}`;

function fromTenant(tenant: Tenant): Pick<DirectoryFile, 'users' | 'roles'> {
  return structuredClone({ users: tenant.users, roles: tenant.roles });
}

function definitionHash(tenant: Tenant): string {
  return createHash('sha256').update(JSON.stringify({ users: tenant.users, roles: tenant.roles })).digest('hex').slice(0, 16);
}
