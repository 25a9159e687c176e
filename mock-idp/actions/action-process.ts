/**
 * One Action's process (action-host.js under Node's permission model), as the runner's pools hold them: it
 * boots, takes one login at a time, and is killed when a login runs past its time, holds more memory than
 * allowed, or the pool no longer needs it. Whatever the Action does ends here, never in the sandbox.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { sep } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { Action } from '../tenant.ts';

export interface ApiCall {
  method: string;
  args: unknown[];
}

export interface ActionRun {
  ok: boolean;
  calls: ApiCall[];
  logs: string[];
  /** Milliseconds the Action ran (its time in the queue and its process's boot not counted). */
  ranMs: number;
  /** The Action threw (or did not export onExecutePostLogin). */
  error?: { message: string; stack: string };
  /** The Action ran past its time limit and was stopped. */
  timedOut?: boolean;
  /** The Action held more memory than allowed, and its process was ended. */
  outOfMemory?: boolean;
  /** The Action's process ended during the login (process.exit, a crash): how. */
  exited?: string;
  /** The runtime itself failed (a process could not start); the Action is not to blame. */
  runtimeError?: string;
}

export interface ActionLimits {
  /** V8's heap, as --max-old-space-size. */
  heapMiB: number;
  /** All the process holds (heap, buffers, native), checked while a login runs. */
  residentMiB: number;
}

/** What action-host.js sends back for a login. */
type Answer = { id?: number } & Omit<ActionRun, 'ranMs'>;

const HOST = fileURLToPath(new URL('./action-host.js', import.meta.url));
/** Node 22.13+ names the permission model `--permission`; Node 20 has it as `--experimental-permission`. */
const PERMISSION_FLAG = process.allowedNodeEnvironmentFlags.has('--permission') ? '--permission' : '--experimental-permission';
/** How often a running login's memory is read; a login that ends sooner is never read at all. */
const MEMORY_POLL_MS = 10;
/** Linux shows a process's resident memory in /proc; elsewhere only the heap limit holds. */
const CAN_READ_MEMORY = existsSync('/proc/self/status');
/** What is kept of the process's own output, to explain how it ended. */
const OUTPUT_TAIL_BYTES = 4096;

export class ActionProcess {
  /** Resolves once the process can take a login; rejects with the reason when it cannot start. */
  readonly ready: Promise<void>;
  readonly #child: ChildProcess;
  readonly #limits: ActionLimits;
  #output = '';
  #exit: string | undefined;
  #killed = false;
  #nextId = 1;
  /** The pool's listener, told once. */
  #onEnd: ((how: string) => void) | undefined;
  /** The login under way. */
  #current: { id: number; finish: (run: Omit<ActionRun, 'ranMs'>) => void } | undefined;

  constructor(action: Action, limits: ActionLimits) {
    this.#limits = limits;
    const readable = [HOST, ...(action.modulesDir ? [`${action.modulesDir}${sep}`] : [])];
    this.#child = fork(HOST, [], {
      execArgv: [PERMISSION_FLAG, ...readable.map((path) => `--allow-fs-read=${path}`), `--max-old-space-size=${limits.heapMiB}`, '--disable-warning=ExperimentalWarning'],
      // Nothing of the sandbox's environment: an Action sees its secrets through event.secrets, as in Auth0.
      env: process.env.NODE_EXTRA_CA_CERTS ? { NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS } : {},
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    const keep = (chunk: Buffer) => (this.#output = (this.#output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_BYTES));
    this.#child.stdout!.on('data', keep);
    this.#child.stderr!.on('data', keep);
    this.#child.on('error', (error) => (this.#output += `\n${error.message}`)); // followed by 'exit' when it ran
    this.#child.once('exit', (code, signal) => {
      this.#exit = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      this.#ended(this.#exit);
    });
    this.#child.on('message', (message) => this.#answered(message as Answer));
    this.ready = new Promise((resolve, reject) => {
      const onMessage = (message: { ready?: boolean }) => {
        if (!message.ready) return;
        this.#child.off('message', onMessage);
        this.#child.send({ action: { name: action.name, file: action.file, code: action.code, modulesDir: action.modulesDir, dependencies: action.dependencies.map((d) => d.name) } });
        resolve();
      };
      this.#child.on('message', onMessage);
      this.#child.once('exit', () => reject(new Error(`the Action's process ${this.#exit} before it was ready${this.#tail()}`)));
      this.#child.once('error', (error) => reject(error));
    });
    this.ready.catch(() => {}); // a pool that never asks still must not see an unhandled rejection
  }

  /** Gone, or going: a process that was killed takes no more logins. */
  get ended(): boolean {
    return this.#killed || this.#exit !== undefined;
  }

  /** Called once when the process ends, for whatever reason. */
  onEnd(listener: (how: string) => void): void {
    this.#onEnd = listener;
    if (this.#exit) listener(this.#exit);
  }

  /** One login: the Action's handler with `event`; `onSlow` is told when it has run `slowMs`. */
  run(event: object, timeoutMs: number, slow: { ms: number; onSlow: () => void }): Promise<ActionRun> {
    if (this.ended) return Promise.resolve({ ok: false, calls: [], logs: [], ranMs: 0, runtimeError: "the sandbox handed a login to an Action's process that had ended" });
    const id = this.#nextId++;
    const started = performance.now();
    return new Promise((resolve) => {
      let slowTold = false;
      // One timer per login, for its time limit, its memory and when it turns slow: most logins end before
      // it first fires, and a login costs the sandbox as little as can be.
      const nextCheck = (ran: number) => Math.max(1, Math.min(timeoutMs - ran, slowTold ? Infinity : slow.ms - ran, CAN_READ_MEMORY ? MEMORY_POLL_MS : Infinity));
      const watch = () => {
        const ran = performance.now() - started;
        if (ran >= timeoutMs) return this.#stop({ ok: false, timedOut: true, calls: [], logs: [] });
        if (CAN_READ_MEMORY && residentMiB(this.#child.pid) > this.#limits.residentMiB) return this.#stop({ ok: false, outOfMemory: true, calls: [], logs: [] });
        if (!slowTold && ran >= slow.ms) {
          slowTold = true;
          slow.onSlow();
        }
        timer = setTimeout(watch, nextCheck(ran));
      };
      let timer = setTimeout(watch, nextCheck(0));
      this.#current = {
        id,
        finish: (run) => {
          clearTimeout(timer);
          this.#current = undefined;
          resolve({ ...run, ranMs: performance.now() - started });
        },
      };
      this.#child.send({ id, event }, () => {}); // a process gone meanwhile is reported on 'exit'
    });
  }

  /** Ends the login under way with `run`, and the process with it. */
  #stop(run: Omit<ActionRun, 'ranMs'>): void {
    this.#current?.finish(run);
    this.kill();
  }

  #answered(message: Answer): void {
    if (message.id !== undefined && message.id === this.#current?.id) this.#current.finish({ ok: message.ok === true, calls: message.calls ?? [], logs: message.logs ?? [], error: message.error });
  }

  #ended(how: string): void {
    // V8 prints this when the heap limit is reached, then aborts.
    const heapFull = /heap out of memory|Reached heap limit/.test(this.#output);
    this.#current?.finish({ ok: false, calls: [], logs: [], ...(heapFull ? { outOfMemory: true } : { exited: `${how}${this.#tail()}` }) });
    this.#onEnd?.(how);
  }

  kill(): void {
    if (this.ended) return;
    this.#killed = true;
    this.#child.kill('SIGKILL');
  }

  #tail(): string {
    const output = this.#output.trim();
    return output ? `; its last output:\n${output}` : '';
  }
}

/** A process's resident memory in MiB, from /proc (0 once it is gone). */
function residentMiB(pid: number | undefined): number {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}
