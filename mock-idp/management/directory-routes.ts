/** Users, roles and their assignments in the Management API (docs/auth0.md#management-api). */
import type { Request, Router } from 'express';

import { DATABASE_CONNECTION, publicProfile } from '../accounts.ts';
import { newRoleId, newUserId, type Directory } from '../directory/directory.ts';
import type { Role, TenantUser } from '../tenant.ts';
import { ManagementError } from './management-error.ts';
import type { Operation } from './management-routes.ts';
import { checkMetadataSize, checkUserBody } from './user-fields.ts';

const invalidBody = (message: string) => new ManagementError(400, `Payload validation error: '${message}'.`, 'invalid_body');
const invalidQuery = (message: string) => new ManagementError(400, `Query validation error: '${message}'.`, 'invalid_query_string');

/** The user fields PATCH and POST may set (Auth0's names); the rest are Auth0's to keep. */
const EDITABLE = ['email', 'email_verified', 'name', 'nickname', 'picture', 'given_name', 'family_name', 'password', 'app_metadata', 'user_metadata', 'blocked'] as const;

export function directoryRoutes(router: Router, operation: Operation, directory: Directory): void {
  const body = (req: Request) => (req.body ?? {}) as Record<string, unknown>;
  const ids = (req: Request, field: 'roles' | 'users') => {
    const list = body(req)[field];
    if (!Array.isArray(list) || list.length === 0 || !list.every((v) => typeof v === 'string')) throw invalidBody(`Expected ${field} to be a non-empty array of strings`);
    return list as string[];
  };

  router.get('/users', operation(['read:users'], (req, res) => {
    const matching = directory.users.filter(luceneFilter(typeof req.query.q === 'string' ? req.query.q : undefined));
    res.json(page(matching.map(publicProfile), req, 'users'));
  }));
  router.get('/users-by-email', operation(['read:users'], (req, res) => {
    if (typeof req.query.email !== 'string') throw invalidQuery('Missing required property: email');
    const user = directory.userByEmail(req.query.email);
    res.json(user ? [publicProfile(user)] : []);
  }));
  router.get('/users/:id', operation(['read:users'], (req, res) => res.json(publicProfile(directory.user(String(req.params.id))))));
  router.post('/users', operation(['create:users'], (req, res) => {
    const fields = req.body as unknown;
    checkUserBody(fields, 'create');
    if (fields.connection === undefined) throw invalidBody('Missing required property: connection');
    if (fields.connection !== DATABASE_CONNECTION) throw new ManagementError(400, 'The connection does not exist.', 'inexistent_connection');
    if (typeof fields.email !== 'string') throw invalidBody('Missing required property: email');
    if (typeof fields.password !== 'string' || !fields.password) throw invalidBody('Missing required property: password');
    const email = fields.email;
    const userId = typeof fields.user_id === 'string' ? `auth0|${fields.user_id}` : newUserId();
    if (directory.userById(userId) || directory.userByEmail(email)) throw new ManagementError(409, 'The user already exists.', 'auth0_idp_error');
    const now = new Date().toISOString();
    const user = edited({
      user_id: userId,
      email,
      password: fields.password,
      email_verified: false,
      name: email,
      nickname: email.split('@')[0]!,
      picture: '',
      created_at: now,
      updated_at: now,
      app_metadata: {},
      user_metadata: {},
      roles: [],
    }, fields);
    directory.commit([{ user }]);
    res.status(201).json(publicProfile(user));
  }));
  router.patch('/users/:id', operation(['update:users'], (req, res) => {
    const user = directory.user(String(req.params.id));
    const fields = req.body as unknown;
    checkUserBody(fields, 'update');
    const email = fields.email;
    if (typeof email === 'string' && directory.userByEmail(email) && directory.userByEmail(email) !== user) throw new ManagementError(409, 'The specified new email already exists', 'auth0_idp_error');
    const next = { ...edited(user, fields), updated_at: new Date().toISOString() };
    directory.commit([{ user: next }]);
    res.json(publicProfile(next));
  }));
  router.delete('/users/:id', operation(['delete:users'], (req, res) => {
    const user = directory.user(String(req.params.id));
    directory.commit([{ deleteUser: user.user_id }]);
    res.status(204).end();
  }));

  router.get('/users/:id/roles', operation(['read:users', 'read:roles'], (req, res) => {
    const user = directory.user(String(req.params.id));
    res.json(page(user.roles.map((name) => directory.roleNamed(name)).filter((r): r is Role => Boolean(r)), req, 'roles'));
  }));
  router.post('/users/:id/roles', operation(['create:role_members'], (req, res) => {
    const user = directory.user(String(req.params.id));
    const names = ids(req, 'roles').map((id) => directory.role(id).name);
    directory.commit([{ user: { ...user, roles: [...new Set([...user.roles, ...names])] } }]);
    res.status(204).end();
  }));
  router.delete('/users/:id/roles', operation(['delete:role_members'], (req, res) => {
    const user = directory.user(String(req.params.id));
    const names = new Set(ids(req, 'roles').map((id) => directory.role(id).name));
    directory.commit([{ user: { ...user, roles: user.roles.filter((n) => !names.has(n)) } }]);
    res.status(204).end();
  }));

  router.get('/roles', operation(['read:roles'], (req, res) => {
    const filter = typeof req.query.name_filter === 'string' ? req.query.name_filter.toLowerCase() : '';
    res.json(page(directory.roles.filter((r) => r.name.toLowerCase().includes(filter)), req, 'roles'));
  }));
  router.post('/roles', operation(['create:roles'], (req, res) => {
    const { name, description } = body(req);
    if (typeof name !== 'string' || !name) throw invalidBody('Missing required property: name');
    if (directory.roleNamed(name)) throw new ManagementError(409, 'Role name already exists', 'conflict');
    const role: Role = { id: newRoleId(), name, description: typeof description === 'string' ? description : undefined };
    directory.commit([{ role }]);
    res.json(role);
  }));
  router.get('/roles/:id', operation(['read:roles'], (req, res) => res.json(directory.role(String(req.params.id)))));
  router.patch('/roles/:id', operation(['update:roles'], (req, res) => {
    const role = directory.role(String(req.params.id));
    const { name, description } = body(req);
    if (name !== undefined && (typeof name !== 'string' || !name)) throw invalidBody('Expected name to be a non-empty string');
    if (typeof name === 'string' && name !== role.name && directory.roleNamed(name)) throw new ManagementError(409, 'Role name already exists', 'conflict');
    const next: Role = { ...role, ...(typeof name === 'string' ? { name } : {}), ...(typeof description === 'string' ? { description } : {}) };
    // Users hold role names (what Actions see), so a rename follows them, in the same write.
    const members = next.name === role.name ? [] : directory.users.filter((u) => u.roles.includes(role.name));
    directory.commit([{ role: next }, ...members.map((u) => ({ user: { ...u, roles: u.roles.map((n) => (n === role.name ? next.name : n)) } }))]);
    res.json(next);
  }));
  router.delete('/roles/:id', operation(['delete:roles'], (req, res) => {
    const role = directory.role(String(req.params.id));
    const members = directory.users.filter((u) => u.roles.includes(role.name));
    directory.commit([{ deleteRole: role.id }, ...members.map((u) => ({ user: { ...u, roles: u.roles.filter((n) => n !== role.name) } }))]);
    res.status(200).end();
  }));
  router.get('/roles/:id/users', operation(['read:roles', 'read:users'], (req, res) => {
    const role = directory.role(String(req.params.id));
    const members = directory.users.filter((u) => u.roles.includes(role.name)).map((u) => ({ user_id: u.user_id, email: u.email, name: u.name, picture: u.picture }));
    res.json(req.query.from !== undefined || req.query.take !== undefined ? checkpoint(members, req) : page(members, req, 'users'));
  }));
  router.post('/roles/:id/users', operation(['create:role_members'], (req, res) => {
    const role = directory.role(String(req.params.id));
    const users = ids(req, 'users').map((id) => directory.user(id)).filter((u) => !u.roles.includes(role.name));
    directory.commit([...new Set(users)].map((u) => ({ user: { ...u, roles: [...u.roles, role.name] } })));
    res.status(200).end();
  }));
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

/** Offset pagination: `page` from 0, `per_page` up to 100 (50 without), `include_totals` for the envelope. */
function page<T>(items: T[], req: Request, key: 'users' | 'roles'): T[] | Record<string, unknown> {
  const pageNumber = numberParam(req, 'page', 0);
  const perPage = numberParam(req, 'per_page', 50);
  if (perPage < 1 || perPage > 100) throw invalidQuery('per_page must be between 1 and 100');
  const start = pageNumber * perPage;
  const slice = items.slice(start, start + perPage);
  if (req.query.include_totals !== 'true') return slice;
  return key === 'users' ? { start, limit: perPage, length: slice.length, total: items.length, users: slice } : { start, limit: perPage, total: items.length, roles: slice };
}

/** Checkpoint pagination (`from`, `take`) as /roles/{id}/users offers it: `next` names where to go on. */
function checkpoint<T>(items: T[], req: Request): { next?: string; users: T[] } {
  const from = req.query.from ? Number(Buffer.from(String(req.query.from), 'base64url').toString()) : 0;
  const take = numberParam(req, 'take', 50);
  const users = items.slice(from, from + take);
  return from + take < items.length ? { next: Buffer.from(String(from + take)).toString('base64url'), users } : { users };
}

function numberParam(req: Request, name: string, fallback: number): number {
  const raw = req.query[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw invalidQuery(`${name} must be a non-negative integer`);
  return value;
}

/** The Lucene subset people use in `q`: `field:value`, quoted or with a trailing `*`, joined by AND. */
function luceneFilter(q: string | undefined): (user: TenantUser) => boolean {
  if (!q?.trim()) return () => true;
  const terms = q.split(/\s+AND\s+/).map((term) => {
    const match = /^(?:(\w+):)?"?([^"]*?)"?$/.exec(term.trim());
    if (!match) throw invalidQuery(`Unsupported q: ${term}`);
    const [, field, value] = match as unknown as [string, string | undefined, string];
    const wanted = value.toLowerCase();
    const test = (actual: unknown) => {
      const text = String(actual ?? '').toLowerCase();
      return wanted.endsWith('*') ? text.startsWith(wanted.slice(0, -1)) : text === wanted;
    };
    return (user: TenantUser) => (field ? test((user as unknown as Record<string, unknown>)[field]) : [user.email, user.name, user.nickname].some((v) => String(v).toLowerCase().includes(wanted.replace(/\*$/, ''))));
  });
  return (user) => terms.every((t) => t(user));
}
