/**
 * Hands Actions to the worker thread (action-worker.js) and enforces the flow's time limit by terminating the
 * worker, which is the only way to stop an Action stuck in a loop. A new worker starts on the next job.
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
  error?: { message: string; stack: string };
  timedOut?: boolean;
}

interface Job {
  resolve: (run: ActionRun) => void;
  timer: NodeJS.Timeout;
}

export class ActionRunner {
  #worker: Worker | undefined;
  #jobs = new Map<number, Job>();
  #nextId = 1;

  /** Runs one Action's code with `event` (already JSON); resolves `{timedOut: true}` after `timeoutMs`. */
  run(name: string, code: string, event: string, timeoutMs: number): Promise<ActionRun> {
    const worker = this.#ensureWorker();
    const id = this.#nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#jobs.delete(id);
        this.#restart();
        resolve({ ok: false, timedOut: true, calls: [], logs: [] });
      }, timeoutMs);
      this.#jobs.set(id, { resolve, timer });
      worker.postMessage({ id, name, code, event });
    });
  }

  async close(): Promise<void> {
    await this.#restart();
  }

  #ensureWorker(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(new URL('./action-worker.js', import.meta.url), { resourceLimits: { maxOldGenerationSizeMb: 128 } });
    worker.unref();
    worker.on('message', ({ id, ...run }: ActionRun & { id: number }) => {
      const job = this.#jobs.get(id);
      if (!job) return;
      this.#jobs.delete(id);
      clearTimeout(job.timer);
      job.resolve(run);
    });
    worker.on('error', (error) => this.#failAll(error));
    worker.on('exit', () => {
      if (this.#worker === worker) this.#worker = undefined;
      this.#failAll(new Error('the Actions worker stopped'));
    });
    this.#worker = worker;
    return worker;
  }

  #failAll(error: Error): void {
    for (const [id, job] of this.#jobs) {
      clearTimeout(job.timer);
      job.resolve({ ok: false, calls: [], logs: [], error: { message: error.message, stack: error.stack ?? '' } });
      this.#jobs.delete(id);
    }
  }

  async #restart(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    await worker?.terminate();
  }
}
