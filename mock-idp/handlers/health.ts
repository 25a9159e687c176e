/** GET /healthz: the IdP answers (compose's health check, the CLI's wait for it). */
import type { Request, Response } from 'express';

export function healthz(_req: Request, res: Response): void {
  res.json({ status: 'ok' });
}
