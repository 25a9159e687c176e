/**
 * /__control/…: change the stub models at run time (faults), read what they received, reset. Tests can do the
 * same in-process through createModels' methods.
 */
import { cutDeeperThan, SHOWN_DEPTH } from '../../common/json-depth.ts';
import { faultSchema } from '../definition.ts';
import { OpenAIError } from '../errors.ts';
import type { Exchange } from '../exchange.ts';
import { parseJsonObject, readBody, sendJson } from '../http.ts';

export function describeModels({ res, registry }: Exchange): void {
  sendJson(res, 200, registry.all.map((model) => ({ ...model, fault: registry.fault(model.name) ?? null })));
}

export async function setFault(exchange: Exchange): Promise<void> {
  const name = knownModel(exchange);
  const parsed = faultSchema.safeParse(parseJsonObject(await readBody(exchange.req)));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
    throw new OpenAIError(400, `Not a fault: ${problems}. Fields: latencyMs, chunkDelayMs, status, retryAfterSeconds, dropAfterChunks, hang, times.`);
  }
  exchange.registry.setFault(name, parsed.data);
  sendJson(exchange.res, 200, { model: name, fault: exchange.registry.fault(name) ?? null });
}

export function clearFault(exchange: Exchange): void {
  const name = knownModel(exchange);
  exchange.registry.setFault(name, undefined);
  sendJson(exchange.res, 200, { model: name, fault: null });
}

/** A body nested deeper than SHOWN_DEPTH is shown cut there (a copy; the recording stays as received). */
export function readRequests(exchange: Exchange): void {
  const requests = exchange.registry.requests(knownModel(exchange));
  sendJson(exchange.res, 200, requests.map((request) => ({ ...request, body: cutDeeperThan(request.body, SHOWN_DEPTH) })));
}

export function clearRequests(exchange: Exchange): void {
  exchange.registry.clearRequests(knownModel(exchange));
  exchange.res.writeHead(204).end();
}

export function reset({ res, registry }: Exchange): void {
  registry.reset();
  res.writeHead(204).end();
}

function knownModel({ params, registry }: Exchange): string {
  const name = params.model!;
  if (!registry.get(name)) {
    throw new OpenAIError(404, `No model named "${name}"; the models are: ${registry.all.map((m) => m.name).join(', ')}.`, { code: 'model_not_found' });
  }
  return name;
}
