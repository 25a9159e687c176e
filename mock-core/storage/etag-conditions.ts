/**
 * `If-Match` and `If-None-Match` as Core reads them since 0.25 (EtagHeader, docs/dial-core.md#resource-etags):
 * checked only when the resource exists; a failed condition is 412, or 304 for a GET.
 */
import type { IncomingMessage } from 'node:http';

import { DialError } from '../errors.ts';
import type { BlobMeta } from './blob-store.ts';

export interface EtagConditions {
  method: string;
  /** undefined: any tag ('*', empty or absent). */
  ifMatch?: ReadonlySet<string>;
  /** null: '*'; an empty set when absent. */
  ifNoneMatch: ReadonlySet<string> | null;
}

export function etagConditions(req: IncomingMessage): EtagConditions {
  const ifMatch = req.headers['if-match']?.trim();
  const ifNoneMatch = req.headers['if-none-match']?.trim();
  return {
    method: req.method ?? 'GET',
    ...(ifMatch && ifMatch !== '*' && { ifMatch: tags(ifMatch) }),
    ifNoneMatch: ifNoneMatch === '*' ? null : ifNoneMatch === undefined ? new Set() : tags(ifNoneMatch),
  };
}

/** Throws Core's answer when a condition fails against what is stored now (nothing stored: no check). */
export function checkPreconditions(conditions: EtagConditions, current: BlobMeta | undefined): void {
  if (!current) return;
  const { etag } = current;
  if (conditions.ifMatch && !conditions.ifMatch.has(etag)) throw new DialError(412, `If-match condition is failed for etag: ${etag}`);
  if (conditions.ifNoneMatch === null) throw noneMatchFailed(conditions.method, etag, 'Resource already exists');
  if (conditions.ifNoneMatch.has(etag)) throw noneMatchFailed(conditions.method, etag, `if-none-match condition is failed for etag: ${etag}`);
}

function noneMatchFailed(method: string, etag: string, text: string): DialError {
  // A 304 carries no body; the tag goes back in its header.
  return method === 'GET' || method === 'HEAD' ? new DialError(304, '', { etag }) : new DialError(412, text);
}

/** Comma-separated, quotes stripped from each tag's ends (and only quotes: Core's StringUtils.strip(tag, "\"")). */
function tags(value: string): ReadonlySet<string> {
  return new Set(value.split(',').map((tag) => tag.replace(/^"+|"+$/g, '')));
}
