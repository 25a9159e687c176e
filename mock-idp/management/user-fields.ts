/**
 * What the Management API accepts in a user's body, as Auth0 checks it: known properties only, each of its
 * JSON type, an email that looks like one, and metadata that Auth0 can store. The metadata rules are
 * Auth0's documented ones (https://auth0.com/docs/manage-users/user-accounts/metadata/metadata-fields-data):
 * no "." or "$" in field names, some names reserved in app_metadata, 16 MB for both together. Auth0 documents
 * no nesting limit; its profile store refuses documents nested over 100 levels, and so does the sandbox.
 */
import { nestsDeeperThan } from '../../common/json-depth.ts';
import { ManagementError } from '../errors.ts';

/** Auth0's 400 for a body it refuses, naming the property when there is one. */
export const invalidBody = (message: string, property?: string): ManagementError => new ManagementError(400, `Payload validation error: '${message}'${property ? ` on property ${property}` : ''}.`, 'invalid_body');

type JsonType = 'string' | 'boolean' | 'object';

/** POST /api/v2/users' properties (Auth0's schema), with their types. */
const CREATE: Record<string, JsonType> = {
  email: 'string', phone_number: 'string', user_metadata: 'object', blocked: 'boolean', email_verified: 'boolean', phone_verified: 'boolean',
  app_metadata: 'object', given_name: 'string', family_name: 'string', name: 'string', nickname: 'string', picture: 'string',
  user_id: 'string', connection: 'string', password: 'string', verify_email: 'boolean', username: 'string',
};

/** PATCH /api/v2/users/{id}'s properties. */
const UPDATE: Record<string, JsonType> = {
  blocked: 'boolean', email_verified: 'boolean', email: 'string', phone_number: 'string', phone_verified: 'boolean', user_metadata: 'object',
  app_metadata: 'object', given_name: 'string', family_name: 'string', name: 'string', nickname: 'string', picture: 'string',
  verify_email: 'boolean', verify_phone_number: 'boolean', password: 'string', connection: 'string', client_id: 'string', username: 'string',
};

/** Names Auth0 keeps for itself at the top of app_metadata. */
const RESERVED_APP_METADATA = new Set(['blocked', 'clientID', 'created_at', 'email', 'email_verified', 'global_client_id', 'globalClientID', 'identities', 'lastIP', 'lastLogin', 'metadata', 'user_id', 'loginsCount']);

const MAX_METADATA_DEPTH = 100;
const MAX_METADATA_BYTES = 16 * 1024 * 1024;

/** Throws Auth0's 400 for the first thing in `body` that Auth0 would refuse. */
export function checkUserBody(body: unknown, operation: 'create' | 'update'): asserts body is Record<string, unknown> {
  if (!isPlainObject(body)) throw invalidBody(`Expected type object but found type ${jsonType(body)}`);
  const schema = operation === 'create' ? CREATE : UPDATE;
  const unknown = Object.keys(body).filter((key) => !(key in schema));
  if (unknown.length) throw invalidBody(`Additional properties not allowed: ${unknown.join(',')}`);
  for (const [key, value] of Object.entries(body)) {
    if (value === undefined) continue;
    if (jsonType(value) !== schema[key]) throw invalidBody(`Expected type ${schema[key]} but found type ${jsonType(value)}`, key);
  }
  if (typeof body.email === 'string' && !/^[^\s@]+@[^\s@]+$/.test(body.email)) throw invalidBody(`Object didn't pass validation for format email: ${body.email}`, 'email');
  for (const field of ['user_metadata', 'app_metadata'] as const) {
    if (body[field] !== undefined) checkMetadata(body[field] as Record<string, unknown>, field);
  }
}

/** The user's metadata after a change, both together, within Auth0's 16 MB. */
export function checkMetadataSize(user: { user_metadata: object; app_metadata: object }): void {
  const bytes = Buffer.byteLength(JSON.stringify(user.user_metadata)) + Buffer.byteLength(JSON.stringify(user.app_metadata));
  if (bytes > MAX_METADATA_BYTES) throw invalidBody(`user_metadata and app_metadata together would be ${bytes} bytes; Auth0 keeps at most ${MAX_METADATA_BYTES} (16 MB) per user`);
}

/** The nesting first, without recursing (a hostile body must not exhaust the stack); then every key. */
function checkMetadata(metadata: Record<string, unknown>, field: 'user_metadata' | 'app_metadata'): void {
  if (field === 'app_metadata') {
    const reserved = Object.keys(metadata).find((key) => RESERVED_APP_METADATA.has(key));
    if (reserved) throw invalidBody(`${reserved} is a name Auth0 keeps for itself and cannot be stored in app_metadata`, `app_metadata.${reserved}`);
  }
  if (nestsDeeperThan(metadata, MAX_METADATA_DEPTH)) throw invalidBody(`${field} is nested more than ${MAX_METADATA_DEPTH} levels deep`, field);
  checkKeys(metadata, field);
}

/** Auth0's rule for metadata field names, at every depth (no deeper than MAX_METADATA_DEPTH by now). */
function checkKeys(value: object, path: string): void {
  for (const [key, child] of Object.entries(value)) {
    const childPath = `${path}.${key}`;
    if (!Array.isArray(value) && key.includes('.')) throw new ManagementError(400, `Fields with "." are not allowed, please remove all dotted fields. Example: ${childPath}`, 'invalid_body');
    if (!Array.isArray(value) && key.includes('$')) throw new ManagementError(400, `Fields with "$" are not allowed, please remove them. Example: ${childPath}`, 'invalid_body');
    if (child !== null && typeof child === 'object') checkKeys(child, childPath);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
