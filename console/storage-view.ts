/**
 * A user's storage as DIAL Chat would see it: their bucket, its conversations, prompts and files, and the
 * shares both ways, read through mock-core's own storage API with a token the user's login would carry
 * (minted, the Actions run). So what it shows is what Core answers that user, refusals included.
 */
import type { ConsoleServices } from './services.ts';
import { badRequest, noCore } from './errors.ts';

export interface StorageItem {
  url: string;
  name: string;
  updatedAt?: number;
}

export interface UserStorage {
  user: string;
  bucket?: string;
  conversations: StorageItem[];
  prompts: StorageItem[];
  files: StorageItem[];
  /** What this user shared with others, and what others shared with them. */
  sharedByMe: StorageItem[];
  sharedWithMe: StorageItem[];
  /** Core's refusal, when it refused (an expired key, a scenario in force), as it answered. */
  refused?: string;
}

const RESOURCE_TYPES = ['CONVERSATION', 'PROMPT', 'FILE'];

export async function storageOf(services: ConsoleServices, email: string): Promise<UserStorage> {
  const { core, idp } = services;
  if (!core) throw noCore();
  const user = idp.accounts.byEmail(email);
  if (!user) throw badRequest(`No user ${email} in the directory.`);
  const { access_token: token } = await idp.mint({ user: user.user_id });
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${core.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: response.status, text: await response.text() };
  };
  const empty: UserStorage = { user: email, conversations: [], prompts: [], files: [], sharedByMe: [], sharedWithMe: [] };
  const bucket = await call('GET', '/v1/bucket');
  if (bucket.status !== 200) return { ...empty, refused: `GET /v1/bucket → ${bucket.status} ${bucket.text}` };
  const id = (JSON.parse(bucket.text) as { bucket: string }).bucket;
  // An empty folder is Core's 404: nothing stored yet.
  const listing = async (kind: string) => {
    const answer = await call('GET', `/v1/metadata/${kind}/${id}/?recursive=true&limit=1000`);
    return answer.status === 200 ? itemsOf(JSON.parse(answer.text)) : [];
  };
  const shared = async (withWhom: 'me' | 'others') => {
    const answer = await call('POST', '/v1/ops/resource/share/list', { resourceTypes: RESOURCE_TYPES, with: withWhom });
    return answer.status === 200 ? itemsOf(JSON.parse(answer.text) as Node) : [];
  };
  const [conversations, prompts, files, sharedByMe, sharedWithMe] = await Promise.all([listing('conversations'), listing('prompts'), listing('files'), shared('others'), shared('me')]);
  return { user: email, bucket: id, conversations, prompts, files, sharedByMe, sharedWithMe };
}

type Node = { url?: string; name?: string; nodeType?: string; updatedAt?: number; items?: Node[]; resources?: Node[] };

/** The items (not folders) of a metadata answer, however deep, and a share list's resources. */
function itemsOf(node: Node): StorageItem[] {
  const children = node.items ?? node.resources ?? [];
  const here = node.nodeType === 'ITEM' && node.url ? [{ url: node.url, name: node.name ?? node.url, updatedAt: node.updatedAt }] : [];
  return [...here, ...children.flatMap((child) => itemsOf(child))];
}
