/** /__control/scenario(s): switch a named fault on (for a while) or off, and list them. */
import type { Request, Response } from 'express';

import { Auth0Error } from '../errors.ts';
import type { ActiveScenario } from './active-scenario.ts';
import { SCENARIOS, isScenario } from './catalog.ts';

export function listScenarios(active: ActiveScenario) {
  return function listScenarios(_req: Request, res: Response): void {
    res.json({ active: active.describe(), scenarios: Object.entries(SCENARIOS).map(([name, { description }]) => ({ name, description })) });
  };
}

export function showScenario(active: ActiveScenario) {
  return function showScenario(_req: Request, res: Response): void {
    res.json({ active: active.describe() });
  };
}

export function setScenario(active: ActiveScenario) {
  return function setScenario(req: Request, res: Response): void {
    const { name, for_seconds: forSeconds } = (req.body ?? {}) as { name?: string; for_seconds?: number };
    if (!name || !isScenario(name)) throw new Auth0Error(400, 'invalid_request', `No scenario "${name}". The scenarios are: ${Object.keys(SCENARIOS).join(', ')}.`);
    if (forSeconds !== undefined && !(Number.isFinite(forSeconds) && forSeconds > 0)) throw new Auth0Error(400, 'invalid_request', 'for_seconds must be a positive number of seconds.');
    active.set(name, forSeconds);
    res.json({ active: active.describe() });
  };
}

export function clearScenario(active: ActiveScenario) {
  return function clearScenario(_req: Request, res: Response): void {
    active.clear();
    res.json({ active: null });
  };
}
