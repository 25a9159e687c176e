/**
 * An Action's code compiled, not run, when the tenant is loaded: a syntax error is a problem of the
 * environment, found before any port opens, rather than a 403 at the first login.
 */
import { compileFunction } from 'node:vm';

/**
 * The parameters action-host.js compiles the code with (CommonJS's module wrapper): the check must compile
 * exactly what will run, so a top-level `return` passes here as it does there, and `await` outside a
 * function fails in both.
 */
const ACTION_WRAPPER_PARAMS = ['exports', 'require', 'module', '__filename', '__dirname'] as const;

export interface ActionSyntaxError {
  message: string;
  line?: number;
  column?: number;
}

export function actionSyntaxError(code: string, file: string): ActionSyntaxError | undefined {
  try {
    compileFunction(code, [...ACTION_WRAPPER_PARAMS], { filename: file });
    return undefined;
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    return { message: `${error.name}: ${error.message}`, ...locate(String(error.stack), file) };
  }
}

/**
 * V8 puts no position on a SyntaxError's properties, only in its stack's first lines: `<file>:<line>`, the
 * source line, then a line of `^` under the offending token (empty at "Unexpected end of input").
 */
function locate(stack: string, file: string): { line?: number; column?: number } {
  const [where, , carets] = stack.split('\n');
  const line = where?.startsWith(`${file}:`) ? Number(where.slice(file.length + 1)) : NaN;
  if (!Number.isInteger(line)) return {};
  const column = carets ? carets.indexOf('^') : -1;
  return column >= 0 ? { line, column: column + 1 } : { line };
}
