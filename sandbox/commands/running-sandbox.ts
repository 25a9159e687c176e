/** Calls from the command line to a running sandbox: one wording for "nothing answers there". */
import { SandboxError } from '../errors.ts';

export function notRunning(url: string, error: Error, flag = '--idp'): SandboxError {
  return new SandboxError('ERR_SANDBOX_DEFINITION', `No sandbox answers at ${url} (${error.message}). Start one with \`npm start\`, or name it with ${flag}.`);
}

/** A request to a running service and its JSON answer; no answer at all is a notRunning error. */
export async function callRunning<T>(url: string, path: string, init: RequestInit = {}, flag = '--idp'): Promise<{ ok: boolean; body: T }> {
  const response = await fetch(`${url}${path}`, init).catch((error: Error) => {
    throw notRunning(url, error, flag);
  });
  return { ok: response.ok, body: (await response.json()) as T };
}
