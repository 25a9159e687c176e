/** Users, roles and their assignments in the Management API (docs/auth0.md#management-api). */
import type { Request, Response } from 'express';

import { DATABASE_CONNECTION, publicProfile } from '../accounts.ts';
import { pictureOf } from '../avatar.ts';
import { newRoleId, newUserId } from '../directory/directory.ts';
import { ManagementError } from '../errors.ts';
import type { Role, TenantUser } from '../tenant.ts';
import type { ManagementDeps } from './management-handlers.ts';
import { checkpoint, fieldSelection, invalidQuery, luceneFilter, page } from './listing.ts';
import { checkMetadataSize, checkUserBody, invalidBody } from './user-fields.ts';

/** The user fields PATCH and POST may set (Auth0's names); the rest are Auth0's to keep. */
const EDITABLE = ['email', 'email_verified', 'name', 'nickname', 'picture', 'given_name', 'family_name', 'password', 'app_metadata', 'user_metadata', 'blocked'] as const;

type Handler = (req: Request, res: Response) => void;

export function listUsers({ directory, accounts }: ManagementDeps): Handler {
  return function listUsers(req, res) {
    const shown = fieldSelection(req);
    const matching = directory.users.filter(luceneFilter(typeof req.query.q === 'string' ? req.query.q : undefined));
    res.json(page(matching.map((user) => shown(publicProfile(user, accounts.pictureOrigin))), req, 'users'));
  };
}

export function usersByEmail({ directory, accounts }: ManagementDeps): Handler {
  return function usersByEmail(req, res) {
    if (typeof req.query.email !== 'string') throw invalidQuery('Missing required property: email');
    const shown = fieldSelection(req);
    const user = directory.userByEmail(req.query.email);
    res.json(user ? [shown(publicProfile(user, accounts.pictureOrigin))] : []);
  };
}

export function getUser({ directory, accounts }: ManagementDeps): Handler {
  return function getUser(req, res) {
    const shown = fieldSelection(req);
    res.json(shown(publicProfile(directory.user(String(req.params.id)), accounts.pictureOrigin)));
  };
}

export function createUser({ directory, accounts, clock }: ManagementDeps): Handler {
  return function createUser(req, res) {
    const fields = req.body as unknown;
    checkUserBody(fields, 'create');
    if (fields.connection === undefined) throw invalidBody('Missing required property: connection');
    if (fields.connection !== DATABASE_CONNECTION) throw new ManagementError(400, 'The connection does not exist.', 'inexistent_connection');
    if (typeof fields.email !== 'string') throw invalidBody('Missing required property: email');
    if (typeof fields.password !== 'string' || !fields.password) throw invalidBody('Missing required property: password');
    const email = fields.email;
    const userId = typeof fields.user_id === 'string' ? `auth0|${fields.user_id}` : newUserId();
    if (directory.userById(userId) || directory.userByEmail(email)) throw new ManagementError(409, 'The user already exists.', 'auth0_idp_error');
    const now = new Date(clock.now()).toISOString();
    const user = edited({
      user_id: userId,
      email,
      password: fields.password,
      email_verified: false,
      name: email,
      nickname: email.split('@')[0]!,
      // No picture of its own: Auth0 gives one (a Gravatar URL), the sandbox its default (docs/auth0.md#user-picture).
      created_at: now,
      updated_at: now,
      app_metadata: {},
      user_metadata: {},
      roles: [],
    }, fields);
    directory.commit([{ user }]);
    res.status(201).json(publicProfile(user, accounts.pictureOrigin));
  };
}

export function updateUser({ directory, accounts, clock }: ManagementDeps): Handler {
  return function updateUser(req, res) {
    const user = directory.user(String(req.params.id));
    const fields = req.body as unknown;
    checkUserBody(fields, 'update');
    const email = fields.email;
    if (typeof email === 'string' && directory.userByEmail(email) && directory.userByEmail(email) !== user) throw new ManagementError(409, 'The specified new email already exists', 'auth0_idp_error');
    const next = { ...edited(user, fields), updated_at: new Date(clock.now()).toISOString() };
    directory.commit([{ user: next }]);
    res.json(publicProfile(next, accounts.pictureOrigin));
  };
}

export function deleteUser({ directory }: ManagementDeps): Handler {
  return function deleteUser(req, res) {
    const user = directory.user(String(req.params.id));
    directory.commit([{ deleteUser: user.user_id }]);
    res.status(204).end();
  };
}

export function listUserRoles({ directory }: ManagementDeps): Handler {
  return function listUserRoles(req, res) {
    const user = directory.user(String(req.params.id));
    res.json(page(user.roles.map((name) => directory.roleNamed(name)).filter((r): r is Role => Boolean(r)), req, 'roles'));
  };
}

export function assignUserRoles({ directory }: ManagementDeps): Handler {
  return function assignUserRoles(req, res) {
    const user = directory.user(String(req.params.id));
    const names = ids(req, 'roles').map((id) => directory.role(id).name);
    directory.commit([{ user: { ...user, roles: [...new Set([...user.roles, ...names])] } }]);
    res.status(204).end();
  };
}

export function removeUserRoles({ directory }: ManagementDeps): Handler {
  return function removeUserRoles(req, res) {
    const user = directory.user(String(req.params.id));
    const names = new Set(ids(req, 'roles').map((id) => directory.role(id).name));
    directory.commit([{ user: { ...user, roles: user.roles.filter((n) => !names.has(n)) } }]);
    res.status(204).end();
  };
}

export function listRoles({ directory }: ManagementDeps): Handler {
  return function listRoles(req, res) {
    const filter = typeof req.query.name_filter === 'string' ? req.query.name_filter.toLowerCase() : '';
    res.json(page(directory.roles.filter((r) => r.name.toLowerCase().includes(filter)), req, 'roles'));
  };
}

export function createRole({ directory }: ManagementDeps): Handler {
  return function createRole(req, res) {
    const { name, description } = body(req);
    if (typeof name !== 'string' || !name) throw invalidBody('Missing required property: name');
    if (directory.roleNamed(name)) throw new ManagementError(409, 'Role name already exists', 'conflict');
    const role: Role = { id: newRoleId(), name, description: typeof description === 'string' ? description : undefined };
    directory.commit([{ role }]);
    res.json(role);
  };
}

export function getRole({ directory }: ManagementDeps): Handler {
  return function getRole(req, res) {
    res.json(directory.role(String(req.params.id)));
  };
}

export function updateRole({ directory }: ManagementDeps): Handler {
  return function updateRole(req, res) {
    const role = directory.role(String(req.params.id));
    const { name, description } = body(req);
    if (name !== undefined && (typeof name !== 'string' || !name)) throw invalidBody('Expected name to be a non-empty string');
    if (typeof name === 'string' && name !== role.name && directory.roleNamed(name)) throw new ManagementError(409, 'Role name already exists', 'conflict');
    const next: Role = { ...role, ...(typeof name === 'string' ? { name } : {}), ...(typeof description === 'string' ? { description } : {}) };
    // Users hold role names (what Actions see), so a rename follows them, in the same write.
    const members = next.name === role.name ? [] : directory.users.filter((u) => u.roles.includes(role.name));
    directory.commit([{ role: next }, ...members.map((u) => ({ user: { ...u, roles: u.roles.map((n) => (n === role.name ? next.name : n)) } }))]);
    res.json(next);
  };
}

export function deleteRole({ directory }: ManagementDeps): Handler {
  return function deleteRole(req, res) {
    const role = directory.role(String(req.params.id));
    const members = directory.users.filter((u) => u.roles.includes(role.name));
    directory.commit([{ deleteRole: role.id }, ...members.map((u) => ({ user: { ...u, roles: u.roles.filter((n) => n !== role.name) } }))]);
    res.status(200).end();
  };
}

export function listRoleUsers({ directory, accounts }: ManagementDeps): Handler {
  return function listRoleUsers(req, res) {
    const role = directory.role(String(req.params.id));
    const members = directory.users.filter((u) => u.roles.includes(role.name)).map((u) => ({ user_id: u.user_id, email: u.email, name: u.name, picture: pictureOf(u, accounts.pictureOrigin) }));
    res.json(req.query.from !== undefined || req.query.take !== undefined ? checkpoint(members, req) : page(members, req, 'users'));
  };
}

export function assignRoleUsers({ directory }: ManagementDeps): Handler {
  return function assignRoleUsers(req, res) {
    const role = directory.role(String(req.params.id));
    const users = ids(req, 'users').map((id) => directory.user(id)).filter((u) => !u.roles.includes(role.name));
    directory.commit([...new Set(users)].map((u) => ({ user: { ...u, roles: [...u.roles, role.name] } })));
    res.status(200).end();
  };
}

const body = (req: Request) => (req.body ?? {}) as Record<string, unknown>;

/** The body's list of role or user ids, or Auth0's 400. */
function ids(req: Request, field: 'roles' | 'users'): string[] {
  const list = body(req)[field];
  if (!Array.isArray(list) || list.length === 0 || !list.every((v) => typeof v === 'string')) throw invalidBody(`Expected ${field} to be a non-empty array of strings`);
  return list as string[];
}

/** The user with `fields` applied, a new record (the stored one is never edited in place). */
function edited(user: TenantUser, fields: Record<string, unknown>): TenantUser {
  const next = { ...user };
  for (const field of EDITABLE) {
    if (fields[field] === undefined) continue;
    if (field === 'app_metadata' || field === 'user_metadata') {
      // Auth0 merges metadata one level deep; a null property removes it.
      const merged: Record<string, unknown> = { ...user[field], ...(fields[field] as Record<string, unknown>) };
      next[field] = Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== null));
    } else {
      (next as unknown as Record<string, unknown>)[field] = fields[field];
    }
  }
  checkMetadataSize(next);
  return next;
}
