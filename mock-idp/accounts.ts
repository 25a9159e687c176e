/** The tenant's database users, as oidc-provider accounts and as Auth0 profile claims. */
import type { Account, FindAccount } from 'oidc-provider';

import { pictureOf } from './avatar.ts';
import type { TenantUser } from './tenant.ts';

/** The OpenID Connect scopes; any other scope belongs to an API. */
export const OIDC_SCOPES: ReadonlySet<string> = new Set(['openid', 'profile', 'email', 'offline_access']);

/** Which profile claims each OIDC scope releases, as Auth0 does for ID tokens and /userinfo. */
export const SCOPE_CLAIMS = {
  openid: ['sub'],
  profile: ['name', 'nickname', 'picture', 'updated_at', 'given_name', 'family_name'],
  email: ['email', 'email_verified'],
} as const;

/** The one database connection a sandbox tenant has, as Auth0 names its default. */
export const DATABASE_CONNECTION = 'Username-Password-Authentication';

/**
 * A database user's profile as Auth0 shows it (Management API, Action `event.user`): no password, no roles,
 * and always a picture (the IdP's default one at `pictureOrigin` unless the user has their own).
 */
export function publicProfile(user: TenantUser, pictureOrigin: string): Record<string, unknown> {
  const { password: _password, roles: _roles, ...profile } = user;
  return {
    ...profile,
    picture: pictureOf(user, pictureOrigin),
    identities: [{ connection: DATABASE_CONNECTION, provider: 'auth0', user_id: user.user_id.replace(/^auth0\|/, ''), isSocial: false }],
  };
}

/** Where the users are kept (the Directory): logins see its changes at once. */
export interface UserStore {
  readonly users: readonly TenantUser[];
  userById(userId: string): TenantUser | undefined;
  userByEmail(email: string): TenantUser | undefined;
}

export class Accounts {
  readonly #store: UserStore;
  /** Where the default profile pictures are served (mock-idp/avatar.ts). */
  readonly pictureOrigin: string;

  constructor(store: UserStore, pictureOrigin: string) {
    this.#store = store;
    this.pictureOrigin = pictureOrigin;
  }

  get all(): readonly TenantUser[] {
    return this.#store.users;
  }

  byId(userId: string): TenantUser | undefined {
    return this.#store.userById(userId);
  }

  byEmail(email: string): TenantUser | undefined {
    return this.#store.userByEmail(email);
  }

  /** The user with these credentials, or undefined (Auth0 answers both a wrong email and a wrong password alike). */
  authenticate(email: string, password: string): TenantUser | undefined {
    const user = this.byEmail(email);
    return user && user.password === password ? user : undefined;
  }

  /** oidc-provider's findAccount: every profile claim; oidc-provider masks them by scope. */
  readonly findAccount: FindAccount = (_ctx, sub) => {
    const user = this.byId(sub);
    if (!user) return undefined;
    const account: Account = { accountId: user.user_id, claims: () => profileClaims(user, this.pictureOrigin) };
    return account;
  };
}

export function profileClaims(user: TenantUser, pictureOrigin: string): { sub: string; [claim: string]: unknown } {
  return {
    sub: user.user_id,
    name: user.name,
    nickname: user.nickname,
    picture: pictureOf(user, pictureOrigin),
    updated_at: user.updated_at,
    given_name: user.given_name,
    family_name: user.family_name,
    email: user.email,
    email_verified: user.email_verified,
  };
}

/** The claims `scope` releases, for /userinfo. */
export function claimsForScope(user: TenantUser, scope: string, pictureOrigin: string): Record<string, unknown> {
  const all = profileClaims(user, pictureOrigin);
  const released = scope.split(' ').flatMap((s) => (s in SCOPE_CLAIMS ? SCOPE_CLAIMS[s as keyof typeof SCOPE_CLAIMS] : []));
  return Object.fromEntries(released.filter((claim) => all[claim] !== undefined).map((claim) => [claim, all[claim]]));
}
