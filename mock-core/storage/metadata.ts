/**
 * The metadata nodes Core answers with (MetadataBase and its kinds, docs/dial-core.md#metadata-listing), in
 * Jackson's field order: nulls written as null, the optional fields left out when absent.
 */
import type { BlobMeta } from './blob-store.ts';
import { nameOf, parentPathOf, RESOURCE_TYPE_NAMES, type Resource } from './resource-url.ts';

export interface MetadataNode {
  name: string | null;
  parentPath: string | null;
  bucket: string;
  url: string;
  nodeType: 'ITEM' | 'FOLDER';
  resourceType: string;
  permissions?: string[];
  [field: string]: unknown;
}

export function itemMetadata(resource: Resource, meta: BlobMeta, options: { etag: boolean }): MetadataNode {
  return {
    ...base(resource, 'ITEM'),
    createdAt: meta.createdAt,
    updatedAt: meta.updatedAt,
    ...(options.etag && { etag: meta.etag }),
    ...(meta.author !== undefined && { author: meta.author }),
    ...(resource.type === 'files' && { contentLength: meta.size, contentType: meta.contentType }),
  };
}

/** `items`: null for a folder inside a listing (Jackson writes the null); `nextToken` only when more remain. */
export function folderMetadata(resource: Resource, items: MetadataNode[] | null, nextToken?: string): MetadataNode {
  return { ...base(resource, 'FOLDER'), items, ...(nextToken !== undefined && { nextToken }) };
}

/** The fields every node has. */
export function nodeOf(resource: Resource): MetadataNode {
  return base(resource, resource.isFolder ? 'FOLDER' : 'ITEM');
}

function base(resource: Resource, nodeType: 'ITEM' | 'FOLDER'): MetadataNode {
  return { name: nameOf(resource), parentPath: parentPathOf(resource), bucket: resource.bucket, url: resource.url, nodeType, resourceType: RESOURCE_TYPE_NAMES[resource.type] };
}
