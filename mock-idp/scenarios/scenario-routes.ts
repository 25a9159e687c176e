/** /__control/scenario(s): switch a named fault on (for a while) or off, and list them. */
import express, { type Router } from 'express';

import { readBody } from '../request-body.ts';
import type { ActiveScenario } from './active-scenario.ts';
import { SCENARIOS, isScenario } from './catalog.ts';

export function scenarioRoutes(active: ActiveScenario): Router {
  const router = express.Router();
  router.get('/__control/scenarios', (_req, res) => {
    res.json({ active: active.describe(), scenarios: Object.entries(SCENARIOS).map(([name, description]) => ({ name, description })) });
  });
  router.get('/__control/scenario', (_req, res) => void res.json({ active: active.describe() }));
  router.put('/__control/scenario', readBody(), (req, res) => {
    const { name, for_seconds: forSeconds } = (req.body ?? {}) as { name?: string; for_seconds?: number };
    if (!name || !isScenario(name)) {
      res.status(400).json({ error: 'invalid_request', error_description: `No scenario "${name}". The scenarios are: ${Object.keys(SCENARIOS).join(', ')}.` });
      return;
    }
    if (forSeconds !== undefined && !(Number.isFinite(forSeconds) && forSeconds > 0)) {
      res.status(400).json({ error: 'invalid_request', error_description: 'for_seconds must be a positive number of seconds.' });
      return;
    }
    active.set(name, forSeconds);
    res.json({ active: active.describe() });
  });
  router.delete('/__control/scenario', (_req, res) => {
    active.clear();
    res.json({ active: null });
  });
  return router;
}
