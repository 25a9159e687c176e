/**
 * Runs Actions each in processes of its own (action-process.ts), never in the sandbox's: an Action that
 * exits, crashes, loops or fills its memory ends only its process, and that login fails; the next login
 * gets a fresh one. Each Action has a pool of up to WARM processes, started as logins first need them and
 * kept; a login that runs longer than SLOW_MS no longer counts as capacity, so another process starts beside
 * it: a slow or stuck Action never makes another user's login wait behind it. Different Actions never share
 * a process.
 */
import type { Action } from '../tenant.ts';
import { ActionProcess, type ActionLimits, type ActionRun } from './action-process.ts';

export type { ActionRun, ApiCall } from './action-process.ts';

/** Processes kept ready per Action: one per core of a small machine; more buy memory, not speed. */
const WARM = 2;
/** At most this many processes per Action; past it, logins queue. */
const MAX_PROCESSES = 16;
/** A login running this long is taken as slow: its process no longer counts as ready capacity. */
const SLOW_MS = 50;
/** The limits of an Action's process (Auth0 documents none; these keep one Action from taking the machine). */
export const ACTION_LIMITS: ActionLimits = { heapMiB: 128, residentMiB: 256 };

interface Job {
  event: object;
  timeoutMs: number;
  resolve: (run: ActionRun) => void;
}

class ActionPool {
  readonly #action: Action;
  readonly #limits: ActionLimits;
  readonly #processes = new Set<ActionProcess>();
  readonly #idle: ActionProcess[] = [];
  readonly #slow = new Set<ActionProcess>();
  readonly #queue: Job[] = [];
  #booting = 0;
  #closed = false;

  constructor(action: Action, limits: ActionLimits) {
    this.#action = action;
    this.#limits = limits;
  }

  run(event: object, timeoutMs: number): Promise<ActionRun> {
    return new Promise((resolve) => {
      this.#queue.push({ event, timeoutMs, resolve });
      this.#dispatch(0);
    });
  }

  close(): void {
    this.#closed = true;
    for (const job of this.#queue.splice(0)) job.resolve(failure('the Actions runtime stopped'));
    for (const process of this.#processes) process.kill();
  }

  /**
   * Hands waiting logins to idle processes, and starts processes for the logins still waiting (and `spare`
   * more), as long as fewer than WARM are up and not slow: a queue of fast logins waits for a busy process
   * rather than starting more, but a slow one is replaced.
   */
  #dispatch(spare: number): void {
    if (this.#closed) return;
    while (this.#queue.length && this.#idle.length) this.#start(this.#idle.pop()!, this.#queue.shift()!);
    const wanted = this.#queue.length + spare;
    while (this.#idle.length + this.#booting < wanted && this.#processes.size - this.#slow.size < WARM && this.#processes.size < MAX_PROCESSES) this.#spawn();
  }

  #spawn(): void {
    const process = new ActionProcess(this.#action, this.#limits);
    this.#processes.add(process);
    this.#booting++;
    let started = false;
    // A process that ends is replaced when logins wait; one that could not even start is not (the next login
    // tries again), or a broken runtime would be restarted without end.
    process.onEnd(() => this.#forget(process, started));
    process.ready.then(
      () => {
        this.#booting--;
        started = true;
        this.#release(process);
      },
      (error: Error) => {
        this.#booting--;
        // The logins waiting fail; nothing the Action did is to blame.
        if (!this.#closed) for (const job of this.#queue.splice(0)) job.resolve(failure(error.message));
        this.#forget(process, false);
      },
    );
  }

  #start(process: ActionProcess, job: Job): void {
    const onSlow = () => {
      this.#slow.add(process);
      this.#dispatch(1); // a process ready for the next login, which must not wait behind this one
    };
    void process.run(job.event, job.timeoutMs, { ms: SLOW_MS, onSlow }).then((run) => {
      this.#slow.delete(process);
      // A login cut short by the IdP stopping is not the Action's doing.
      job.resolve(this.#closed ? failure('the Actions runtime stopped') : run);
      if (!process.ended) this.#release(process);
    });
  }

  /** Back to the pool, or gone when the pool holds more than it needs. */
  #release(process: ActionProcess): void {
    if (this.#closed || process.ended) return;
    const readyBesides = this.#processes.size - this.#slow.size - 1;
    if (!this.#queue.length && readyBesides >= WARM) {
      process.kill();
      return;
    }
    this.#idle.push(process);
    this.#dispatch(0);
  }

  #forget(process: ActionProcess, replace: boolean): void {
    if (!this.#processes.delete(process)) return;
    this.#slow.delete(process);
    const at = this.#idle.indexOf(process);
    if (at >= 0) this.#idle.splice(at, 1);
    if (replace) this.#dispatch(0);
  }
}

export class ActionRunner {
  readonly #pools = new Map<Action, ActionPool>();
  readonly #limits: ActionLimits;

  constructor(limits: ActionLimits = ACTION_LIMITS) {
    this.#limits = limits;
  }

  /** Runs `action` with `event`; resolves `{timedOut: true}` once it has run `timeoutMs`. */
  run(action: Action, event: object, timeoutMs: number): Promise<ActionRun> {
    return this.#pool(action).run(event, timeoutMs);
  }

  async close(): Promise<void> {
    for (const pool of this.#pools.values()) pool.close();
    this.#pools.clear();
  }

  #pool(action: Action): ActionPool {
    let pool = this.#pools.get(action);
    if (!pool) this.#pools.set(action, (pool = new ActionPool(action, this.#limits)));
    return pool;
  }
}

function failure(runtimeError: string): ActionRun {
  return { ok: false, calls: [], logs: [], ranMs: 0, runtimeError };
}
