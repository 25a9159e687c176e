/**
 * A user's storage as DIAL Chat would see it: their bucket, its conversations, prompts and files, and the
 * shares both ways, read through mock-core's own storage API with a token the user's login would carry
 * (minted, the Actions run). So what it shows is what Core answers that user, refusals included.
 */
import type { ServiceCalls } from './service-calls.ts';
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

export async function storageOf(services: ConsoleServices, calls: ServiceCalls, email: string): Promise<UserStorage> {
  const { core, idp } = services;
  if (!core) throw noCore();
  const user = idp.accounts.byEmail(email);
  if (!user) throw badRequest(`No user ${email} in the directory.`);
  const { access_token: token } = await idp.mint({ user: user.user_id });
  const empty: UserStorage = { user: email, conversations: [], prompts: [], files: [], sharedByMe: [], sharedWithMe: [] };
  const bucket = await calls.core('GET', '/v1/bucket', token);
  if (bucket.status !== 200) return { ...empty, refused: `${bucket.call} ${typeof bucket.body === 'string' ? bucket.body : JSON.stringify(bucket.body ?? '')}` };
  const id = (bucket.body as { bucket: string }).bucket;
  // An empty folder is Core's 404: nothing stored yet.
  const listing = async (kind: string) => {
    const answer = await calls.core('GET', `/v1/metadata/${kind}/${id}/?recursive=true&limit=1000`, token);
    return answer.status === 200 ? itemsOf(answer.body as Node) : [];
  };
  const shared = async (withWhom: 'me' | 'others') => {
    const answer = await calls.core('POST', '/v1/ops/resource/share/list', token, { resourceTypes: RESOURCE_TYPES, with: withWhom });
    return answer.status === 200 ? itemsOf(answer.body as Node) : [];
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
