/**
 * What a fault scenario does in place of an endpoint (the JWKS, discovery, /oauth/token): answer for it, or
 * hold the request on the sandbox clock's timers before letting it go on.
 */
import type { NextFunction, Response } from 'express';

/** The timers a fault waits on: the sandbox clock's, through the scenario in force (active-scenario.ts). */
export interface FaultTimers {
  /** Calls back after `ms` on the sandbox clock; the function returned cancels it. */
  delay(ms: number, callback: () => void): () => void;
  /** Calls back when the scenario ends. */
  onClear(release: () => void): void;
}

/** Answers the request itself, or calls `next` (at once or later) to let the endpoint answer. */
export type Fault = (res: Response, next: NextFunction, timers: FaultTimers) => void;

/** The longest a "timeout" fault holds a request, so nothing waits forever. */
const HOLD_MS = 120_000;

const serviceUnavailable = (res: Response) => void res.status(503).type('text').send('Service Unavailable');

export const unavailable: Fault = serviceUnavailable;

/** The endpoint answers, `ms` late. */
export const late = (ms: number): Fault => (_res, next, timers) => void timers.delay(ms, next);

/** Held until the scenario ends (then a 503) or HOLD_MS passes. */
export const holdUntilCleared: Fault = (res, _next, timers) => {
  const release = () => {
    cancelHold();
    if (!res.writableEnded) serviceUnavailable(res);
  };
  const cancelHold = timers.delay(HOLD_MS, release);
  timers.onClear(release);
};
