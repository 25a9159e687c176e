/**
 * A resource URL (`conversations/<bucket>/folder/name`, as it follows `/v1/`) read as Core's
 * ResourceDescriptorFactory reads it (docs/dial-core.md#resource-paths): its type, the bucket's location
 * (decrypted), the decoded path, and whether it is a folder. Each refusal is Core's 400 with Core's text.
 */
import { DialError } from '../errors.ts';
import type { BucketCipher } from './bucket-cipher.ts';

const RESOURCE_TYPES = ['files', 'conversations', 'prompts', 'applications'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];
/** Types Core's ResourceTypes.of accepts in a URL; the last two are served by other controllers. */
const URL_TYPES = new Set<string>([...RESOURCE_TYPES, 'invitations', 'publications', 'code_interpreter_session']);

/** The resource type's name in metadata (`resourceType`). */
export const RESOURCE_TYPE_NAMES: Record<ResourceType, string> = { files: 'FILE', conversations: 'CONVERSATION', prompts: 'PROMPT', applications: 'APPLICATION' };

/** The full storage key (location + type + path) may be at most this many UTF-8 bytes. */
const MAX_PATH_BYTES = 900;

export interface Resource {
  type: ResourceType;
  /** The bucket as it appears in URLs (encrypted). */
  bucket: string;
  /** What it stands for: `Users/<sub>/`, `Keys/<project>/`, `public/`. */
  location: string;
  /** Decoded segments after the bucket; empty for the bucket's root folder. */
  segments: string[];
  isFolder: boolean;
  /** The storage key: location + type + '/' + path (a folder's ends in '/'). */
  key: string;
  /** The URL as Core writes it back: each segment percent-encoded, without `/v1/`. */
  url: string;
}

const PUBLIC_BUCKET = 'public';
/** The public bucket's location: it is not encrypted. */
export const PUBLIC_LOCATION = 'public/';

/** Reads a resource URL; throws Core's 400 for one it refuses. */
export function parseResourceUrl(url: string, cipher: BucketCipher): Resource {
  // Java's String.split drops trailing empty parts: "a/b/" has two.
  const parts = javaSplit(url);
  if (parts.length < 2) throw badRequest(`Url has less than two segments: ${url}`);
  if (url.startsWith('/')) throw badRequest(`Url must not start with /, but: ${url}`);
  if (parts.length === 2 && !url.endsWith('/')) throw badRequest(`Url must start with resource/bucket/, but: ${url}`);
  const type = decodeSegment(parts[0]!);
  if (!URL_TYPES.has(type)) throw badRequest(`Unsupported resource type: ${type}`);
  const bucket = decodeSegment(parts[1]!);
  const location = bucket === PUBLIC_BUCKET ? PUBLIC_LOCATION : cipher.decrypt(bucket);
  if (location === null) throw badRequest(`Url has invalid bucket: ${url}`);
  return resourceAt(type as ResourceType, bucket, location, url.slice(parts[0]!.length + parts[1]!.length + 2));
}

/** A resource in a bucket from its percent-encoded path (empty for the root folder). */
function resourceAt(type: ResourceType, bucket: string, location: string, encodedPath: string): Resource {
  const path = encodedPath.trim() === '' ? '/' : encodedPath;
  const segments = javaSplit(path).map(decodeSegment);
  for (const segment of segments) if (!isValidName(segment)) throw badRequest(`Invalid path provided ${path}`);
  return describe(type, bucket, location, segments, path.endsWith('/'));
}

/** The same resource kind with other segments (a listing's child, a move's destination). */
export function describe(type: ResourceType, bucket: string, location: string, segments: string[], isFolder: boolean): Resource {
  const path = segments.join('/') + (isFolder && segments.length > 0 ? '/' : '');
  const key = `${location}${type}/${path}`;
  if (Buffer.byteLength(key, 'utf8') > MAX_PATH_BYTES) throw badRequest(`Resource path exceeds max allowed size: ${MAX_PATH_BYTES}`);
  const url = `${type}/${encodeSegment(bucket)}/${segments.map(encodeSegment).join('/')}${isFolder && segments.length > 0 ? '/' : ''}`;
  return { type, bucket, location, segments, isFolder, key, url };
}

/** PUT only: Azure Blob Storage cannot hold names ending in a dot, so Core refuses them everywhere. */
export function refuseTrailingDots(resource: Resource): void {
  if (resource.segments.some((segment) => segment.endsWith('.'))) throw badRequest('Resource name and/or parent folders must not end with .(dot)');
}

/** The resource's name (its last segment), or null for the root folder. */
export function nameOf(resource: Resource): string | null {
  return resource.segments.at(-1) ?? null;
}

/** The parent folders joined by '/', or null at the root (Core's `parentPath`). */
export function parentPathOf(resource: Resource): string | null {
  return resource.segments.length > 1 ? resource.segments.slice(0, -1).join('/') : null;
}

/** Java's String.split("/"): empty parts kept except at the end. */
function javaSplit(text: string): string[] {
  const parts = text.split('/');
  while (parts.length > 0 && parts.at(-1) === '') parts.pop();
  return parts;
}

/** A name Core can store: not empty, no control characters, no '/', '{' or '}' (an encoded slash included). */
function isValidName(segment: string): boolean {
  return segment !== '' && !/[\u0000-\u001f/{}]/.test(segment);
}

/**
 * Percent-decoding as Core's PercentCodec does it: bytes, then UTF-8 with replacement characters for
 * invalid sequences. A malformed escape fails Java's URI check, which Core does not catch: its answer is
 * the unhandled error's 500 (docs/dial-core.md#resource-paths).
 */
function decodeSegment(segment: string): string {
  // Core parses each segment as a URI first: a query or fragment in it is refused (only URLs in bodies can hold them).
  if (segment.includes('?') || segment.includes('#')) throw badRequest(`Wrong path provided ${segment}`);
  if (!segment.includes('%')) return segment;
  if (/%(?![0-9a-fA-F]{2})/.test(segment)) throw new DialError(500, '');
  const bytes = Buffer.from(segment, 'utf8');
  const decoded = Buffer.alloc(bytes.length);
  let length = 0;
  for (let i = 0; i < bytes.length; i++) {
    // '%' and hex digits are ASCII, so they are single bytes in UTF-8 too.
    decoded[length++] = bytes[i] === 0x25 ? parseInt(bytes.toString('latin1', i + 1, (i += 2) + 1), 16) : bytes[i]!;
  }
  return decoded.toString('utf8', 0, length);
}

/** Guava's path-segment escaper (Core's UrlUtil.encodePathSegment): RFC 3986 pchar stays, the rest is %XX. */
export function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/%(24|26|2B|2C|3B|3D|3A|40)/g, (escape) => decodeURIComponent(escape));
}

function badRequest(text: string): DialError {
  return new DialError(400, text);
}
