/**
 * The files a chat completion attaches, checked as Core checks them before calling the deployment
 * (CollectRequestAttachmentsFn, docs/dial-core.md#attachments): each must be readable by the caller, and
 * each becomes readable by the per-request key the deployment gets.
 */
import type { Principal } from '../auth/authenticate.ts';
import { DialError } from '../errors.ts';
import { isObject } from '../json-merge.ts';
import { permissionsOn } from './resource-access.ts';
import { parseResourceUrl } from './resource-url.ts';
import type { Storage } from './storage.ts';

/** The resource URLs the request attaches, once the caller is known to read each; else Core's 403. */
export function checkedAttachments(request: unknown, caller: Principal, storage: Storage): ReadonlySet<string> {
  const granted = new Set<string>();
  for (const url of attachedUrls(request)) {
    // Links to the world and data: URLs are not Core's to check.
    if (/^[a-z][a-z0-9-+.]*?:\/\//i.test(url) || url.startsWith('data:')) continue;
    let resource;
    try {
      resource = parseResourceUrl(url, storage.cipher);
    } catch (error) {
      if (error instanceof DialError && error.status === 500) throw error;
      throw new DialError(400); // Core's catch-all for the request body: 400 without a text
    }
    const passedOn = caller.perRequest?.attachments.has(resource.url) ?? false;
    if (!passedOn && !permissionsOn(resource, caller, storage.access).has('READ')) throw new DialError(403, `Access denied to the file ${url}`);
    granted.add(resource.url);
  }
  return granted;
}

/**
 * Where Core looks: `messages[].content[].image_url.url` (of parts typed image_url),
 * `messages[].custom_content.attachments[].url` and `messages[].custom_content.stages[].attachments[].url`.
 * A metadata attachment's URL starts with `metadata/`, which is dropped.
 */
function attachedUrls(request: unknown): string[] {
  const urls: string[] = [];
  if (!isObject(request) || !Array.isArray(request.messages)) return urls;
  const fromAttachments = (attachments: unknown) => {
    if (!Array.isArray(attachments)) return;
    for (const attachment of attachments) {
      if (!isObject(attachment) || typeof attachment.url !== 'string') continue;
      if (attachment.type === 'application/vnd.dial.metadata+json') {
        if (!attachment.url.startsWith('metadata/')) throw new DialError(400);
        urls.push(attachment.url.slice('metadata/'.length));
      } else urls.push(attachment.url);
    }
  };
  for (const message of request.messages) {
    if (!isObject(message)) continue;
    if (Array.isArray(message.content)) {
      for (const part of message.content) if (isObject(part) && part.type === 'image_url' && isObject(part.image_url) && typeof part.image_url.url === 'string') urls.push(part.image_url.url);
    }
    if (!isObject(message.custom_content)) continue;
    fromAttachments(message.custom_content.attachments);
    if (Array.isArray(message.custom_content.stages)) for (const stage of message.custom_content.stages) if (isObject(stage)) fromAttachments(stage.attachments);
  }
  return urls;
}
