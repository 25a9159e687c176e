/** The scenario in force, if any: one at a time, optionally for a while; cleared by a reset. */
import { SCENARIOS, type ScenarioName } from './catalog.ts';

export class ActiveScenario {
  #name: ScenarioName | undefined;
  #until: number | undefined;
  readonly #onClear = new Set<() => void>();

  get current(): ScenarioName | undefined {
    if (this.#until !== undefined && Date.now() >= this.#until) this.clear();
    return this.#name;
  }

  set(name: ScenarioName, forSeconds?: number): void {
    this.clear();
    this.#name = name;
    this.#until = forSeconds === undefined ? undefined : Date.now() + forSeconds * 1000;
  }

  clear(): void {
    this.#name = undefined;
    this.#until = undefined;
    for (const release of this.#onClear) release();
    this.#onClear.clear();
  }

  /** Called when the scenario ends (held requests are let go then). */
  onClear(release: () => void): void {
    this.#onClear.add(release);
  }

  describe(): { name: ScenarioName; description: string; until: string | null } | null {
    const name = this.current;
    return name ? { name, description: SCENARIOS[name], until: this.#until ? new Date(this.#until).toISOString() : null } : null;
  }
}
