/**
 * Runs Actions on a small pool of worker threads (action-worker.js), one job per worker at a time. A job's
 * time limit starts when a worker takes it, so a queue behind a slow Action costs no one else their time;
 * a job past its limit has its worker terminated (the only way to stop a loop) and replaced.
 */
import { Worker } from 'node:worker_threads';

export interface ApiCall {
  method: string;
  args: unknown[];
}

export interface ActionRun {
  ok: boolean;
  calls: ApiCall[];
  logs: string[];
  /** The Action threw (or did not export onExecutePostLogin). */
  error?: { message: string; stack: string };
  /** The Action ran past its time limit and was stopped. */
  timedOut?: boolean;
  /** The runtime itself failed (a worker could not start or crashed); the Action is not to blame. */
  runtimeError?: string;
}

interface Job {
  message: { name: string; code: string; event: string };
  timeoutMs: number;
  resolve: (run: ActionRun) => void;
}

/** Workers at most: Actions seldom wait for I/O, so more workers than cores buy nothing but memory. */
const POOL_SIZE = 2;

export class ActionRunner {
  readonly #idle: Worker[] = [];
  readonly #busy = new Set<Worker>();
  readonly #queue: Job[] = [];
  #closed = false;

  /** Runs one Action's code with `event` (JSON text); resolves `{timedOut: true}` after `timeoutMs` of running. */
  run(name: string, code: string, event: string, timeoutMs: number): Promise<ActionRun> {
    return new Promise((resolve) => {
      this.#queue.push({ message: { name, code, event }, timeoutMs, resolve });
      this.#dispatch();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#queue.splice(0)) job.resolve(failure('the Actions runtime stopped'));
    await Promise.all([...this.#idle.splice(0), ...this.#busy].map((worker) => worker.terminate()));
  }

  #dispatch(): void {
    while (this.#queue.length && !this.#closed) {
      const worker = this.#idle.pop() ?? (this.#busy.size < POOL_SIZE ? this.#spawn() : undefined);
      if (!worker) return;
      this.#start(worker, this.#queue.shift()!);
    }
  }

  #start(worker: Worker, job: Job): void {
    this.#busy.add(worker);
    const finish = (run: ActionRun, reusable: boolean) => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('exit', onExit);
      this.#busy.delete(worker);
      if (reusable && !this.#closed) this.#idle.push(worker);
      job.resolve(run);
      this.#dispatch();
    };
    const onMessage = (run: ActionRun) => finish(run, true);
    const onExit = (code: number) => finish(failure(`the Actions worker exited with code ${code}`), false);
    const timer = setTimeout(() => {
      finish({ ok: false, timedOut: true, calls: [], logs: [] }, false);
      void worker.terminate();
    }, job.timeoutMs);
    worker.on('message', onMessage);
    worker.on('exit', onExit);
    worker.postMessage(job.message);
  }

  #spawn(): Worker {
    const worker = new Worker(new URL('./action-worker.js', import.meta.url), { resourceLimits: { maxOldGenerationSizeMb: 128 } });
    worker.unref();
    worker.on('error', () => {}); // followed by 'exit', which fails the job it held
    worker.on('exit', () => {
      const idleAt = this.#idle.indexOf(worker);
      if (idleAt >= 0) this.#idle.splice(idleAt, 1);
    });
    return worker;
  }
}

function failure(runtimeError: string): ActionRun {
  return { ok: false, calls: [], logs: [], runtimeError };
}
