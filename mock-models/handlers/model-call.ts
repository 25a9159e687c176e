/**
 * The steps every model endpoint shares, in order: find the model, read and record the request, check the
 * upstream key, then play the model's fault (latency, error status, hang, dropped connection).
 */
import type { ModelDefinition, ModelKind, Fault } from '../definition.ts';
import { deploymentNotFound, faultError, invalidApiKey, missingParameter, modelNotFound, operationNotSupported, OpenAIError } from '../errors.ts';
import type { Exchange } from '../exchange.ts';
import { parseJsonObject, readBody, sendError, sleep } from '../http.ts';

export interface ModelCall {
  model: ModelDefinition;
  body: Record<string, unknown>;
  fault: Fault | undefined;
}

const OPERATIONS: Record<ModelKind, string> = { chat: 'chatCompletion', completion: 'completion', embedding: 'embeddings' };

/**
 * Resolves the call to serve, or undefined when a fault has already answered it. `deployment` is the path's
 * deployment name; without one (`/v1/…`) the model is the body's `model`.
 */
export async function acceptModelCall(exchange: Exchange, kind: ModelKind): Promise<ModelCall | undefined> {
  const { req, res, url, params, registry } = exchange;
  const text = await readBody(req);
  const fromPath = params.deployment;
  let body: Record<string, unknown> | undefined;
  let parseError: OpenAIError | undefined;
  try {
    body = parseJsonObject(text);
  } catch (error) {
    parseError = error as OpenAIError;
  }
  const name = fromPath ?? (typeof body?.model === 'string' ? body.model : undefined);
  const model = name === undefined ? undefined : registry.get(name);
  if (!model) {
    if (parseError) throw parseError;
    throw fromPath ? deploymentNotFound(fromPath) : name === undefined ? missingParameter('model') : modelNotFound(name);
  }

  registry.record(model.name, {
    at: new Date().toISOString(),
    method: req.method ?? 'POST',
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')])),
    body: body ?? text,
  }, text);
  if (model.upstreamKey !== undefined && presentedKey(exchange) !== model.upstreamKey) throw invalidApiKey();
  if (parseError) throw parseError;
  if (model.kind !== kind) throw operationNotSupported(model.name, OPERATIONS[kind]);

  const fault = registry.takeFault(model.name);
  if (fault?.latencyMs) await sleep(fault.latencyMs);
  if (fault?.hang) return undefined; // the response stays open; stop() closes it
  if (fault?.status) {
    sendError(res, faultError(fault.status, fault.retryAfterSeconds));
    return undefined;
  }
  if (fault?.dropAfterChunks !== undefined && body!.stream !== true) {
    res.destroy();
    return undefined;
  }
  return { model, body: body!, fault };
}

/** The key of the caller: X-UPSTREAM-KEY (what DIAL Core sends), api-key, or a Bearer token. */
function presentedKey({ req }: Exchange): string | undefined {
  const header = (name: string) => {
    const value = req.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  return header('x-upstream-key') ?? header('api-key') ?? /^Bearer\s+(.+)$/i.exec(header('authorization') ?? '')?.[1];
}
