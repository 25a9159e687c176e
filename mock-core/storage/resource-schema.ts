/**
 * What Core checks of a conversation's or prompt's body before storing it: that it reads as its Java record
 * (Conversation.java, Prompt.java, through ProxyUtil.convertToObject, docs/dial-core.md#resource-crud).
 * Unknown fields are ignored. An empty body is not checked at all (convertToObject gives null for it).
 */
import { DialError } from '../errors.ts';
import type { Resource } from './resource-url.ts';

type FieldKind = 'string' | 'int' | 'long' | 'object' | 'array';

/** The records' constructor properties; `true` marks the ones Jackson requires. */
const CONVERSATION: Record<string, [FieldKind, boolean]> = {
  id: ['string', true],
  folderId: ['string', true],
  name: ['string', true],
  prompt: ['string', true],
  temperature: ['int', true],
  lastActivityDate: ['long', false],
  model: ['object', true],
  selectedAddons: ['array', true],
  messages: ['array', true],
  customViewState: ['object', false],
};
const PROMPT: Record<string, [FieldKind, boolean]> = {
  id: ['string', true],
  folderId: ['string', true],
  name: ['string', true],
  content: ['string', true],
};

export function validateResourceBody(resource: Resource, body: string): void {
  const fields = resource.type === 'conversations' ? CONVERSATION : resource.type === 'prompts' ? PROMPT : undefined;
  if (!fields || body === '') return;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw schemaMismatch();
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw schemaMismatch();
  const record = value as Record<string, unknown>;
  for (const [name, [kind, required]] of Object.entries(fields)) {
    if (!(name in record)) {
      // The first required property missing, in the record's order (as the real Core 0.25 answers).
      if (required) throw new DialError(400, `Missing required property '${name}'`);
      continue;
    }
    // A value of the wrong kind: the error's path names the field, and Core calls it "missing".
    if (!fitsKind(record[name], kind)) throw new DialError(400, `Missing required property '${name}'`);
  }
}

/** Jackson's default coercions: numbers from numeric strings, scalars to String, null for anything. */
function fitsKind(value: unknown, kind: FieldKind): boolean {
  if (value === null) return true;
  switch (kind) {
    case 'string':
      return typeof value !== 'object';
    case 'int':
    case 'long':
      return typeof value === 'number' || (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)));
    case 'object':
      return typeof value === 'object' && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
  }
}

function schemaMismatch(): DialError {
  return new DialError(400, 'Provided payload do not match required schema');
}
