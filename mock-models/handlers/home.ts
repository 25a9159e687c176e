/**
 * GET /: what this service is, for a person who opens it in a browser or with curl. Stub models stand where
 * real model endpoints (Azure OpenAI, an OpenAI adapter) would; no client of those asks for `/`, so a
 * helpful answer here changes nothing a client relies on.
 */
import type { Exchange } from '../exchange.ts';
import { sendJson } from '../http.ts';

export function home({ res, registry }: Exchange): void {
  sendJson(res, 200, {
    service: 'mock-models',
    about: 'Stub model endpoints of dial-auth-sandbox: OpenAI-compatible answers, made up offline, for mock-core or DIAL Core to forward to.',
    models: registry.all.map((model) => model.name),
    routes: {
      'GET /v1/models': 'the stub models, as OpenAI lists models',
      'POST /openai/deployments/{model}/chat/completions': 'a chat completion, as Azure OpenAI is called (also /completions, /embeddings; and under /v1/openai/deployments)',
      'POST /v1/chat/completions': 'a chat completion, as OpenAI is called (also /v1/completions, /v1/embeddings)',
      'GET /healthz': 'the service answers',
      'GET /__control/models': "the sandbox's controls: each model's settings, faults and recent requests",
    },
    docs: "the project's README, section mock-models",
  });
}
