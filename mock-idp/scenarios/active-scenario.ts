/** The scenario in force, if any: one at a time, optionally for a while; cleared by a reset. */
import { setTimer, type Clock } from '../../common/clock.ts';
import type { FaultTimers } from './faults.ts';
import { SCENARIOS, type ScenarioName } from './catalog.ts';

export class ActiveScenario implements FaultTimers {
  readonly #clock: Clock;
  #name: ScenarioName | undefined;
  #until: number | undefined;
  #cancelEnd: (() => void) | undefined;
  readonly #onClear = new Set<() => void>();

  /** `clock`: the sandbox clock, whose time and timers end a scenario set for a while and time its delays. */
  constructor(clock: Clock) {
    this.#clock = clock;
  }

  get current(): ScenarioName | undefined {
    return this.#name;
  }

  set(name: ScenarioName, forSeconds?: number): void {
    this.clear();
    this.#name = name;
    if (forSeconds === undefined) return;
    this.#until = this.#clock.now() + forSeconds * 1000;
    this.#cancelEnd = this.delay(forSeconds * 1000, () => this.clear());
  }

  clear(): void {
    this.#cancelEnd?.();
    this.#cancelEnd = undefined;
    this.#name = undefined;
    this.#until = undefined;
    for (const release of this.#onClear) release();
    this.#onClear.clear();
  }

  /** Called when the scenario ends (held requests are let go then). */
  onClear(release: () => void): void {
    this.#onClear.add(release);
  }

  /** Calls back after `ms` on the sandbox clock's timers (a test's ManualClock moves them; otherwise real time). */
  delay(ms: number, callback: () => void): () => void {
    return setTimer(this.#clock, ms, callback);
  }

  describe(): { name: ScenarioName; description: string; until: string | null } | null {
    const name = this.current;
    return name ? { name, description: SCENARIOS[name].description, until: this.#until ? new Date(this.#until).toISOString() : null } : null;
  }
}
