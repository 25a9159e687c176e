/**
 * Hands Actions to a worker thread (action-worker.js) and enforces each job's time limit by terminating the
 * worker, the only way to stop an Action stuck in a loop. The other jobs that worker held are not at fault:
 * they go again to a fresh worker.
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
  /** The runtime itself failed (the worker could not start or crashed); the Action is not to blame. */
  runtimeError?: string;
}

interface Job {
  message: { id: number; name: string; code: string; event: string };
  resolve: (run: ActionRun) => void;
  timer: NodeJS.Timeout;
}

export class ActionRunner {
  #worker: Worker | undefined;
  /** The jobs the current worker holds. */
  #jobs = new Map<number, Job>();
  #nextId = 1;

  /** Runs one Action's code with `event` (JSON text); resolves `{timedOut: true}` after `timeoutMs`. */
  run(name: string, code: string, event: string, timeoutMs: number): Promise<ActionRun> {
    return new Promise((resolve) => {
      const id = this.#nextId++;
      const timer = setTimeout(() => this.#timeOut(id), timeoutMs);
      const job: Job = { message: { id, name, code, event }, resolve, timer };
      this.#jobs.set(id, job);
      this.#ensureWorker().postMessage(job.message);
    });
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    for (const job of this.#jobs.values()) this.#settle(job, { ok: false, calls: [], logs: [], runtimeError: 'the Actions runtime stopped' });
    await worker?.terminate();
  }

  #timeOut(id: number): void {
    const job = this.#jobs.get(id);
    if (!job) return;
    this.#settle(job, { ok: false, timedOut: true, calls: [], logs: [] });
    // Replace the stuck worker; the jobs it still held start again on the new one.
    const stuck = this.#worker;
    this.#worker = undefined;
    void stuck?.terminate();
    const others = [...this.#jobs.values()];
    if (others.length) {
      const fresh = this.#ensureWorker();
      for (const other of others) fresh.postMessage(other.message);
    }
  }

  #settle(job: Job, run: ActionRun): void {
    clearTimeout(job.timer);
    this.#jobs.delete(job.message.id);
    job.resolve(run);
  }

  #ensureWorker(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(new URL('./action-worker.js', import.meta.url), { resourceLimits: { maxOldGenerationSizeMb: 128 } });
    worker.unref();
    worker.on('message', ({ id, ...run }: ActionRun & { id: number }) => {
      const job = this.#jobs.get(id);
      if (job && this.#worker === worker) this.#settle(job, run);
    });
    // A worker that dies by itself (not one we replaced) fails the jobs it held: the runtime broke, not them.
    const failHeld = (reason: string) => {
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      for (const job of this.#jobs.values()) this.#settle(job, { ok: false, calls: [], logs: [], runtimeError: reason });
    };
    worker.on('error', (error) => failHeld(error.message));
    worker.on('exit', (code) => failHeld(`the Actions worker exited with code ${code}`));
    this.#worker = worker;
    return worker;
  }
}
