/**
 * /__control/clock: GET the sandbox clock; PUT `{"freeze": true}`, `{"freeze": false}`, `{"advance_seconds": N}`
 * (together or alone); DELETE to go back to the system clock. A clock handed in by code (a test's
 * ManualClock) is that code's to move: it is shown, not changed.
 */
import type { Request, Response } from 'express';

import { SandboxClock, secondsAhead, type Clock } from '../../common/clock.ts';
import { Auth0Error } from '../errors.ts';

/** The farthest a JavaScript Date reaches from 1970, either way (ECMA-262 §21.4.1.1: 100,000,000 days). */
const LATEST_DATE_MS = 8.64e15;

const invalid = (description: string) => new Auth0Error(400, 'invalid_request', description);

/** The clock the control endpoints may move, or Auth0's 409 for one that is not theirs. */
function controllable(clock: Clock): SandboxClock {
  if (clock instanceof SandboxClock) return clock;
  throw new Auth0Error(409, 'clock_not_controllable', 'This sandbox was started with a clock of its own (startSandbox({ clock })); move that clock instead.');
}

function describeClock(clock: Clock) {
  return clock instanceof SandboxClock ? clock.describe() : { now: new Date(clock.now()).toISOString(), frozen: null, ahead_seconds: secondsAhead(clock) };
}

export function showClock(clock: Clock) {
  return function showClock(_req: Request, res: Response): void {
    res.json(describeClock(clock));
  };
}

export function setClock(clock: Clock) {
  return function setClock(req: Request, res: Response): void {
    const sandboxClock = controllable(clock);
    const { freeze, advance_seconds: advance } = (req.body ?? {}) as { freeze?: unknown; advance_seconds?: unknown };
    if (freeze !== undefined && typeof freeze !== 'boolean') throw invalid('"freeze" must be true or false.');
    if (advance !== undefined && (typeof advance !== 'number' || !Number.isFinite(advance))) throw invalid('"advance_seconds" must be a number of seconds.');
    if (typeof advance === 'number' && Math.abs(sandboxClock.now() + advance * 1000) > LATEST_DATE_MS) {
      throw invalid('"advance_seconds" would move the clock past the dates JavaScript holds (years -271,821 to 275,760).');
    }
    if (freeze === true) sandboxClock.freeze();
    if (freeze === false) sandboxClock.resume();
    if (typeof advance === 'number') sandboxClock.advance(advance * 1000);
    res.json(describeClock(clock));
  };
}

export function resetClock(clock: Clock) {
  return function resetClock(_req: Request, res: Response): void {
    controllable(clock).reset();
    res.json(describeClock(clock));
  };
}
