/** GET /v1/models: OpenAI's model list, one entry per stub model. */
import type { Exchange } from '../exchange.ts';
import { sendJson } from '../http.ts';

const STARTED = Math.floor(Date.now() / 1000);

export function listModels({ res, registry }: Exchange): void {
  sendJson(res, 200, {
    object: 'list',
    data: registry.all.map((model) => ({ id: model.name, object: 'model', created: STARTED, owned_by: 'dial-auth-sandbox' })),
  });
}

export function health({ res }: Exchange): void {
  sendJson(res, 200, { status: 'ok' });
}
