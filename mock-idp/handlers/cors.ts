/** CORS for what browsers (SPAs) may read from any origin: the public documents and a bearer-token endpoint. */
import type { NextFunction, Request, Response } from 'express';

export function allowAnyOrigin(req: Request, res: Response, next: NextFunction): void {
  res.set('Access-Control-Allow-Origin', '*');
  if (req.method !== 'OPTIONS') return next();
  res.set({ 'Access-Control-Allow-Methods': 'GET, POST', 'Access-Control-Allow-Headers': 'Authorization, Content-Type', 'Access-Control-Max-Age': '86400' });
  res.status(204).end();
}
