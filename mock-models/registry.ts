/**
 * The stub models and everything that changes while they run: faults set at run time, the position in each
 * reply sequence, and the requests each model received. `reset()` returns all of it to the definitions.
 */
import { RequestLog } from '../common/request-log.ts';
import type { Fault, ModelDefinition } from './definition.ts';
import { replyText } from './replies.ts';

/** A request as a model received it, for tests that assert what DIAL Core forwarded. */
export interface RecordedRequest {
  at: string;
  method: string;
  path: string;
  query: Record<string, string>;
  /** Lower-case names, as Node presents them. */
  headers: Record<string, string>;
  /** Parsed JSON when the body was JSON, the text otherwise; a body over 1 MiB is its first MiB of text. */
  body: unknown;
  /** Says so when the body was cut. */
  cut?: string;
}

/** What the registry keeps of the requests one model received: bounded by count and by size (request-log.ts). */
const RECORDING = { maxBytes: 8 * 1024 * 1024, maxBodyBytes: 1024 * 1024 } as const;

type Recording = RequestLog<{ request: RecordedRequest; bytes: number }, RecordedRequest>;

/** `read` shapes the request when called (RequestLog.subscribe). */
export type RequestListener = (model: string, read: () => RecordedRequest) => void;

export class ModelRegistry {
  readonly #definitions: ReadonlyMap<string, ModelDefinition>;
  readonly #recordLimit: number;
  readonly #faults = new Map<string, Fault>();
  readonly #positions = new Map<string, number>();
  readonly #recorded = new Map<string, Recording>();
  readonly #listeners = new Set<RequestListener>();

  constructor(definitions: readonly ModelDefinition[], recordLimit: number) {
    this.#definitions = new Map(definitions.map((d) => [d.name, d]));
    this.#recordLimit = recordLimit;
    this.reset();
  }

  get(name: string): ModelDefinition | undefined {
    return this.#definitions.get(name);
  }

  get all(): ModelDefinition[] {
    return [...this.#definitions.values()];
  }

  /** The reply text for the next request to `model`; `echoed` is what an echo model repeats. */
  nextReply(model: ModelDefinition, echoed: string): string {
    return replyText(model.reply, {
      echoed,
      nextTurn: () => {
        const turn = this.#positions.get(model.name) ?? 0;
        this.#positions.set(model.name, turn + 1);
        return turn;
      },
    });
  }

  /** The fault for this request, counting it against `times`. */
  takeFault(name: string): Fault | undefined {
    const fault = this.#faults.get(name);
    if (fault?.times !== undefined) {
      if (fault.times <= 1) this.#faults.delete(name);
      else this.#faults.set(name, { ...fault, times: fault.times - 1 });
    }
    return fault;
  }

  fault(name: string): Fault | undefined {
    return this.#faults.get(name);
  }

  setFault(name: string, fault: Fault | undefined): void {
    if (!this.#definitions.has(name)) throw new Error(`no model named "${name}"; the models are: ${[...this.#definitions.keys()].join(', ')}`);
    if (fault && Object.keys(fault).length) this.#faults.set(name, fault);
    else this.#faults.delete(name);
  }

  /** `bodyText`: the body as received, whose length counts as its size (and is cut past 1 MiB). */
  record(name: string, request: RecordedRequest, bodyText: string): void {
    const { maxBytes, maxBodyBytes } = RECORDING;
    let recording = this.#recorded.get(name);
    if (!recording) {
      this.#recorded.set(name, (recording = new RequestLog({ present: ({ request }) => request, size: ({ bytes }) => bytes, limit: this.#recordLimit, maxBytes })));
      // Each model's log comes and goes (clearRequests, reset); the registry's listeners outlive them.
      recording.subscribe((read) => {
        for (const listener of this.#listeners) listener(name, read);
      });
    }
    const kept = bodyText.length <= maxBodyBytes ? request : { ...request, body: bodyText.slice(0, maxBodyBytes), cut: `the body (${bodyText.length} bytes) is cut to its first ${maxBodyBytes}` };
    let headerBytes = 0;
    for (const header in request.headers) headerBytes += header.length + request.headers[header]!.length;
    recording.add({ request: kept, bytes: Math.min(bodyText.length, maxBodyBytes) + request.path.length + headerBytes });
  }

  /** Every request any model records from now on (see RequestLog.subscribe); returns the unsubscribe. */
  onRequest(listener: RequestListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The last requests `name` received, oldest first. */
  requests(name: string): RecordedRequest[] {
    return this.#recorded.get(name)?.entries() ?? [];
  }

  clearRequests(name?: string): void {
    if (name) this.#recorded.delete(name);
    else this.#recorded.clear();
  }

  /** Back to the definitions: their faults, sequences from the start, nothing recorded. */
  reset(): void {
    this.#faults.clear();
    this.#positions.clear();
    this.#recorded.clear();
    for (const model of this.#definitions.values()) if (model.fault) this.#faults.set(model.name, model.fault);
  }
}
