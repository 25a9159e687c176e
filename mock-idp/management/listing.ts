/** How the Management API's lists are filtered (`q`) and paged (offset and checkpoint), as Auth0 pages them. */
import type { Request } from 'express';

import { ManagementError } from '../errors.ts';
import type { TenantUser } from '../tenant.ts';

export const invalidQuery = (message: string, property?: string): ManagementError =>
  new ManagementError(400, `Query validation error: '${message}'${property ? ` on property ${property}` : ''}.`, 'invalid_query_string');

/** The user fields `fields` may name (Auth0's pattern for the parameter). */
const USER_FIELDS = [
  'phone_number', 'email', 'email_verified', 'picture', 'username', 'user_id', 'name', 'nickname', 'created_at', 'identities', 'app_metadata',
  'user_metadata', 'last_ip', 'last_login', 'logins_count', 'updated_at', 'blocked', 'given_name', 'family_name',
];

/**
 * `fields` (a comma-separated list) and `include_fields` (true, the default, or false): the user fields
 * returned are those listed, or all but them; without `fields`, all. A name outside Auth0's list is its 400.
 */
export function fieldSelection(req: Request): (user: Record<string, unknown>) => Record<string, unknown> {
  const { fields, include_fields: include = 'true' } = req.query;
  if (fields === undefined || fields === '') return (user) => user;
  if (typeof fields !== 'string' || !fields.split(',').every((name) => USER_FIELDS.includes(name))) {
    throw invalidQuery(`String '${String(fields)}' does not match pattern. Must be a comma separated list of the following values: ${USER_FIELDS.join(',')}`, 'fields');
  }
  if (include !== 'true' && include !== 'false') throw invalidQuery('Expected type boolean but found type string', 'include_fields');
  const named = new Set(fields.split(','));
  return (user) => Object.fromEntries(Object.entries(user).filter(([name]) => named.has(name) === (include === 'true')));
}

/** Offset pagination: `page` from 0, `per_page` up to 100 (50 without), `include_totals` for the envelope. */
export function page<T>(items: T[], req: Request, key: 'users' | 'roles'): T[] | Record<string, unknown> {
  const pageNumber = numberParam(req, 'page', 0);
  const perPage = numberParam(req, 'per_page', 50);
  if (perPage < 1 || perPage > 100) throw invalidQuery('per_page must be between 1 and 100');
  const start = pageNumber * perPage;
  const slice = items.slice(start, start + perPage);
  if (req.query.include_totals !== 'true') return slice;
  return key === 'users' ? { start, limit: perPage, length: slice.length, total: items.length, users: slice } : { start, limit: perPage, total: items.length, roles: slice };
}

/** Checkpoint pagination (`from`, `take`) as /roles/{id}/users offers it: `next` names where to go on. */
export function checkpoint<T>(items: T[], req: Request): { next?: string; users: T[] } {
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
export function luceneFilter(q: string | undefined): (user: TenantUser) => boolean {
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
