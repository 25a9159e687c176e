/** Calls from the command line to a running sandbox: one wording for "nothing answers there", the control token sent. */
import { CONTROL_TOKEN_ENV } from '../../common/control-token.ts';
import { SandboxError } from '../../common/sandbox-error.ts';
import { spanInWords } from '../../common/time-span.ts';

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

/** What a token's expiry is measured against: the running sandbox's clock, or this machine's. */
export interface ClockReading {
  now: number;
  /** For the expiry line: "by the sandbox clock (…)" or "by the system clock (…)". */
  by: string;
}

/**
 * The sandbox clock when the IdP at `url` answers GET /__control/clock, else the system clock: tokens the
 * sandbox issued after `clock advance` expire by its clock, which Core uses too. Never an error: decoding a
 * token needs no sandbox. A port that accepts and never answers is given two seconds.
 */
export async function clockAt(url: string, controlToken: string | undefined): Promise<ClockReading> {
  const system = (why: string) => ({ now: Date.now(), by: `by the system clock (${why})` });
  let response: Response;
  try {
    response = await fetch(`${url}/__control/clock`, { headers: controlHeaders(controlToken), signal: AbortSignal.timeout(2_000) });
  } catch {
    return system(`no sandbox answers at ${url}`);
  }
  if (response.status === 401) return system(`the sandbox at ${url} wants its control token: --control-token or ${CONTROL_TOKEN_ENV}`);
  const body = (await response.json().catch(() => ({}))) as { now?: string; ahead_seconds?: number };
  const now = body.now === undefined ? Number.NaN : Date.parse(body.now);
  if (!response.ok || Number.isNaN(now)) return system(`${url} answers no sandbox clock`);
  const ahead = body.ahead_seconds ?? 0;
  return { now, by: `by the sandbox clock${ahead === 0 ? '' : ` (${spanInWords(ahead)} ${ahead > 0 ? 'ahead of' : 'behind'} the system clock)`}` };
}
