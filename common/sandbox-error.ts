/** Errors of the sandbox itself (not of a service's wire protocol), each with a stable code, as jose does. */

export type SandboxErrorCode = 'ERR_SANDBOX_DEFINITION';

/** One thing wrong in an environment folder, located by file, JSON path and (where known) line and column. */
export interface Problem {
  file: string;
  /** JSON path inside the file, e.g. `$.users[1].roles[0]`; `$` for the whole file. */
  path: string;
  message: string;
  line?: number;
  column?: number;
}

export class SandboxError extends Error {
  readonly code: SandboxErrorCode;
  readonly problems: readonly Problem[];

  constructor(code: SandboxErrorCode, message: string, problems: readonly Problem[] = []) {
    super(problems.length ? `${message}\n${problems.map(formatProblem).join('\n')}` : message);
    this.name = 'SandboxError';
    this.code = code;
    this.problems = problems;
  }
}

export function formatProblem({ file, path, message, line, column }: Problem): string {
  const where = line === undefined ? file : `${file}:${line}:${column ?? 1}`;
  return `  ${where}  ${path}  ${message}`;
}

/** `['users', 1, 'roles']` → `$.users[1].roles` */
export function jsonPath(segments: readonly PropertyKey[]): string {
  return segments.reduce<string>(
    (path, segment) => (typeof segment === 'number' ? `${path}[${segment}]` : `${path}.${String(segment)}`),
    '$',
  );
}
