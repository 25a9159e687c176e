/** What the IdP's parts are made from, once per tenant: createIdp builds it, the provider and the routes share it. */
import type { Clock } from '../common/clock.ts';
import type { Accounts } from './accounts.ts';
import type { PostLoginTrigger } from './actions/post-login.ts';
import type { Directory } from './directory/directory.ts';
import type { SigningKeys } from './keys.ts';
import type { MemoryStore } from './memory-adapter.ts';
import type { Tenant } from './tenant.ts';

export interface ProviderDeps {
  tenant: Tenant;
  issuer: string;
  keys: SigningKeys;
  accounts: Accounts;
  /** The sandbox clock: access tokens carry its time (shared with mock-core). */
  clock: Clock;
  /** The users and roles the Management API changes (accounts reads the same users). */
  directory: Directory;
  trigger: PostLoginTrigger;
  store: MemoryStore;
}
