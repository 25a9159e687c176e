/** Calls from the command line to a running sandbox: one wording for "nothing answers there", the control token sent. */
import { CONTROL_TOKEN_ENV } from '../../common/control-token.ts';
import { SandboxError } from '../../common/sandbox-error.ts';

export function notRunning(url: string, error: Error, flag = '--idp'): SandboxError {
  return new SandboxError('ERR_SANDBOX_DEFINITION', `No sandbox answers at ${url} (${error.message}). Start one with \`npm start\`, or name it with ${flag}.`);
}

/** The header carrying the control token: --control-token, else SANDBOX_CONTROL_TOKEN; none without either. */
export function controlHeaders(token: string | undefined): Record<string, string> {
  const given = token || process.env[CONTROL_TOKEN_ENV];
  return given ? { authorization: `Bearer ${given}` } : {};
}

/** A control endpoint refused the call: the sandbox was started with a control token this call lacks. */
export function controlTokenRefused(url: string): SandboxError {
  return new SandboxError('ERR_SANDBOX_DEFINITION', `The sandbox at ${url} wants its control token: pass it with --control-token <token> or ${CONTROL_TOKEN_ENV}.`);
}

/** A request to a running service and its JSON answer; no answer at all is a notRunning error. */
export async function callRunning<T>(url: string, path: string, init: RequestInit = {}, flag = '--idp'): Promise<{ ok: boolean; body: T }> {
  const response = await fetch(`${url}${path}`, init).catch((error: Error) => {
    throw notRunning(url, error, flag);
  });
  if (response.status === 401 && path.startsWith('/__control')) throw controlTokenRefused(url);
  return { ok: response.ok, body: (await response.json()) as T };
}
