/**
 * The dynamic config as Core holds it: loaded at start (a failure stops Core), reloaded every `config.reload`
 * ms; a reload that fails keeps the previous config and logs why (docs/dial-core.md#config-loading).
 */
import { isAbsolute, resolve } from 'node:path';

import type { Logger } from '../common/log.ts';
import { bindConfig, loadDynamicConfig, type CoreConfig } from './config.ts';
import type { JsonObject } from './json-merge.ts';

export interface ConfigSource {
  files: readonly string[];
  /** Where relative `config.files` entries are found (Core: its working directory). */
  baseDir?: string;
  reloadMs: number;
  /** A config given as an object instead of files (tests). */
  inline?: JsonObject;
  /** Applied to the merged tree before it is bound (the sandbox points addresses at running services). */
  rewrite?: (tree: JsonObject) => JsonObject;
}

export class ConfigStore {
  #current: CoreConfig;
  readonly #source: ConfigSource;
  readonly #log: Logger;
  readonly #timer: NodeJS.Timeout | undefined;

  /** Throws ConfigLoadError when the first load fails: Core would not start. */
  constructor(source: ConfigSource, log: Logger) {
    this.#source = source;
    this.#log = log;
    this.#current = this.#load();
    this.#timer = source.inline ? undefined : setInterval(() => this.reload(), source.reloadMs).unref();
  }

  get current(): CoreConfig {
    return this.#current;
  }

  /** Loads the files again; keeps the previous config when they are broken. Answers whether it took. */
  reload(): boolean {
    try {
      this.#current = this.#load();
      return true;
    } catch (error) {
      // Whatever went wrong, Core keeps serving with the config it has.
      this.#log.warn(`Failed to reload config: ${(error as Error).message}. The previous config stays in force; fix the file and it is picked up at the next reload.`);
      return false;
    }
  }

  close(): void {
    clearInterval(this.#timer);
  }

  #load(): CoreConfig {
    const { inline, files, baseDir, rewrite } = this.#source;
    if (inline) return bindConfig(rewrite ? rewrite(inline) : inline, 'inline config');
    return loadDynamicConfig(files.map((f) => (isAbsolute(f) || !baseDir ? f : resolve(baseDir, f))), rewrite);
  }
}
