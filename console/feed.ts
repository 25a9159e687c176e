/**
 * The timeline: the IdP's token answers, mock-core's requests and the stub models' requests, interleaved, as
 * Server-Sent Events. One feed per console, however many browsers watch: it subscribes to the three logs
 * only while one does, so with no console open the request path pays a Set's size check. Entries are
 * shaped only at the flush (every 100 ms, at most 200), sent as one message, and a browser too far behind
 * misses batches (told how many) rather than growing the sandbox's memory.
 */
import type { ServerResponse } from 'node:http';

import type { IdpLogEntry } from '../mock-idp/control/token-log.ts';
import type { CoreLogEntry } from '../mock-core/request-log-entry.ts';
import type { RecordedRequest } from '../mock-models/registry.ts';
import { addedByCore } from './core-headers.ts';
import { FEED } from './defaults.ts';
import type { ConsoleServices } from './services.ts';

export type Outcome = 'ok' | 'refused' | 'limited' | 'failed';

export interface TimelineEvent {
  id: number;
  source: 'idp' | 'core' | 'models' | 'console';
  at: string;
  /** The user's email (or an API key's project) when the entry names one. */
  user?: string;
  outcome: Outcome;
  status?: number;
  title: string;
  /** Core's words, the real cause and the rule for Core; grant, client and error for the IdP; forwarded headers for the models. */
  detail: Record<string, unknown>;
}

type Pending = () => Omit<TimelineEvent, 'id'>;

/** A change the page should redraw for: the directory, Core's config, the scenario, the clock, the keys. */
const CHANGES = ['directory', 'config', 'scenario', 'clock', 'keys'] as const;
export type Change = (typeof CHANGES)[number];

export class Feed {
  readonly #services: ConsoleServices;
  readonly #clients = new Set<ServerResponse>();
  #unsubscribe: (() => void)[] = [];
  #pending: Pending[] = [];
  #dropped = 0;
  #nextId = 1;
  #timers: NodeJS.Timeout[] = [];
  #lastState = {} as Record<Change, unknown>;
  #lastClock: { now: number; system: number } | undefined;
  #clockMoves = 0;

  constructor(services: ConsoleServices) {
    this.#services = services;
  }

  /** A browser's EventSource: the backlog first, then batches until it goes. */
  connect(res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
    res.write(`retry: 2000\n\n`);
    send(res, 'backlog', this.#backlog());
    if (this.#clients.size === 0) this.#start();
    this.#clients.add(res);
    res.on('close', () => {
      this.#clients.delete(res);
      if (this.#clients.size === 0) this.#stop();
    });
  }

  /** A user's email by their sub (user_id), for Core's entries, which name the caller by sub. */
  readonly #emailOf = (sub: unknown): string | undefined => (typeof sub === 'string' ? this.#services.idp.accounts.byId(sub)?.email : undefined);

  /** The console's own actions, so that an effect follows its cause on the timeline. */
  note(title: string, detail: Record<string, unknown>, outcome: Outcome = 'ok'): void {
    if (!this.#clients.size) return;
    const at = new Date().toISOString();
    this.#queue(() => ({ source: 'console', at, outcome, title, detail }));
  }

  stop(): void {
    for (const res of this.#clients) res.end();
    this.#clients.clear();
    this.#stop();
  }

  #start(): void {
    const { idp, core, models } = this.#services;
    this.#unsubscribe = [
      idp.requestLog.subscribe((read) => this.#queue(() => fromIdp(read()))),
      models.onRequest((model, read) => this.#queue(() => fromModels(model, read()))),
      ...(core ? [core.log.subscribe((read) => this.#queue(() => fromCore(read(), this.#emailOf)))] : []),
    ];
    this.#lastState = this.#state();
    this.#timers = [
      setInterval(() => this.#flush(), FEED.flushMs),
      setInterval(() => this.#checkChanges(), FEED.changesMs),
      setInterval(() => this.#broadcast(': heartbeat\n\n'), FEED.heartbeatMs),
    ];
    for (const timer of this.#timers) timer.unref();
  }

  #stop(): void {
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    for (const timer of this.#timers) clearInterval(timer);
    this.#unsubscribe = [];
    this.#timers = [];
    this.#pending = [];
  }

  #queue(pending: Pending): void {
    if (this.#pending.length >= FEED.pending) this.#dropped++;
    else this.#pending.push(pending);
  }

  #flush(): void {
    if (!this.#pending.length && !this.#dropped) return;
    const batch = this.#pending.splice(0, FEED.perFlush);
    this.#dropped += this.#pending.length;
    this.#pending = [];
    const events = batch.map((read) => ({ id: this.#nextId++, ...read() }));
    const message = `event: events\ndata: ${JSON.stringify({ events, dropped: this.#dropped })}\n\n`;
    this.#dropped = 0;
    for (const res of this.#clients) {
      if (res.writableLength > FEED.slowClientBytes) send(res, 'missed', { events: events.length });
      else res.write(message);
    }
  }

  /** The directory, Core's config, the scenario, the clock and the keys, compared while a browser watches. */
  #checkChanges(): void {
    const state = this.#state();
    const changed = CHANGES.filter((name) => state[name] !== this.#lastState[name]);
    this.#lastState = state;
    if (changed.length) this.#broadcast(`event: changed\ndata: ${JSON.stringify(changed)}\n\n`);
  }

  #state(): Record<Change, unknown> {
    const { idp, core } = this.#services;
    return { directory: idp.directory.version, config: configText(core?.config.current), scenario: idp.scenario.current, clock: this.#clockState(), keys: idp.keys.current.kid };
  }

  /**
   * Changes only when the clock is moved, frozen or resumed: a clock that runs (or stands frozen) as it did
   * at the last look reads the same, though its distance from the system clock drifts while it is frozen.
   */
  #clockState(): string {
    const { clock } = this.#services;
    const [now, system] = [clock.now(), Date.now()];
    const last = this.#lastClock;
    const asBefore = last && (Math.abs(now - (last.now + system - last.system)) < CLOCK_JITTER_MS || Math.abs(now - last.now) < CLOCK_JITTER_MS);
    if (!asBefore) this.#clockMoves++;
    this.#lastClock = { now, system };
    const frozen = 'describe' in clock ? (clock as { describe(): { frozen: boolean } }).describe().frozen : false;
    return `${this.#clockMoves}${frozen ? ' frozen' : ''}`;
  }

  #broadcast(text: string): void {
    for (const res of this.#clients) res.write(text);
  }

  /** What the three logs hold now, merged by time: the last FEED.backlog. */
  #backlog(): { events: TimelineEvent[] } {
    const { idp, core, models } = this.#services;
    const all = [
      ...idp.requestLog.entries().map(fromIdp),
      ...(core?.log.entries().map((e) => fromCore(e, this.#emailOf)) ?? []),
      ...models.definitions.flatMap((d) => models.requests(d.name).map((r) => fromModels(d.name, r))),
    ].sort((a, b) => a.at.localeCompare(b.at));
    return { events: all.slice(-FEED.backlog).map((event) => ({ id: this.#nextId++, ...event })) };
  }
}

/** How far a clock may stray from its last look (timer lateness) and still be read as not moved. */
const CLOCK_JITTER_MS = 1_000;

/**
 * Core's config as text, to compare: a reload makes a new object every `config.reload` ms even when the files
 * did not change, so identity says nothing; each object's text is made once.
 */
const configTexts = new WeakMap<object, string>();
function configText(config: object | undefined): string {
  if (!config) return '';
  let text = configTexts.get(config);
  if (text === undefined) {
    text = JSON.stringify(config, (_key, value: unknown) => (value instanceof Map ? [...value] : value instanceof RegExp ? String(value) : value));
    configTexts.set(config, text);
  }
  return text;
}

function send(res: ServerResponse, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

export function outcomeOf(status: number): Outcome {
  if (status < 400) return 'ok';
  if (status === 401 || status === 403) return 'refused';
  if (status === 429) return 'limited';
  return 'failed';
}

function fromIdp(entry: IdpLogEntry & { at: string }): Omit<TimelineEvent, 'id'> {
  const claims = entry.access_token?.claims as Record<string, unknown> | undefined;
  return {
    source: 'idp',
    at: entry.at,
    user: entry.user,
    outcome: outcomeOf(entry.status),
    status: entry.status,
    title: `${entry.endpoint} ${entry.grant_type ?? ''}`.trim(),
    detail: { client_id: entry.client_id, audience: entry.audience, error: entry.error, dial_roles: claims?.dial_roles, cut: entry.cut },
  };
}

function fromCore(entry: CoreLogEntry & { at: string }, emailOf: (sub: unknown) => string | undefined): Omit<TimelineEvent, 'id'> {
  const caller = entry.caller ?? {};
  // A refused token named no caller; its claims still say whose it was.
  const sub = caller.sub ?? (entry.token?.claims as Record<string, unknown> | undefined)?.sub;
  const user = emailOf(sub) ?? (typeof sub === 'string' ? sub : typeof caller.project === 'string' ? `key of ${caller.project}` : undefined);
  return {
    source: 'core',
    at: entry.at,
    user,
    outcome: outcomeOf(entry.status),
    status: entry.status,
    title: `${entry.method} ${entry.path}`,
    detail: { reason: entry.reason, cause: entry.cause, rule: entry.rule, roles: caller.roles, ms: entry.ms },
  };
}

function fromModels(model: string, request: RecordedRequest): Omit<TimelineEvent, 'id'> {
  // Shortened: the timeline shows which were added, not the keys themselves.
  const headers = addedByCore(request.headers, shorten);
  return { source: 'models', at: request.at, outcome: 'ok', title: `${model}: ${request.method} ${request.path}`, detail: { headers } };
}

const shorten = (value: string): string => (value.length > 16 ? `${value.slice(0, 10)}…` : value);
