/** Log lines carry the service's prefix (`[mock-idp] …`) and go to stderr, so stdout stays for summaries. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export function createLogger(prefix: string, write: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Logger {
  return {
    info: (message) => write(`[${prefix}] ${message}`),
    warn: (message) => write(`[${prefix}] warning: ${message}`),
    error: (message) => write(`[${prefix}] error: ${message}`),
  };
}

/** A logger that keeps its lines, for tests that assert what was logged. */
export function createMemoryLogger(prefix: string): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, ...createLogger(prefix, (line) => lines.push(line)) };
}
