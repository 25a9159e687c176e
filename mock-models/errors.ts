/** Errors in OpenAI's wire format: `{"error": {"message", "type", "param", "code"}}` with the HTTP status. */
import { CONTROL_CHALLENGE, CONTROL_TOKEN_REQUIRED } from '../common/control-token.ts';

export class OpenAIError extends Error {
  readonly status: number;
  readonly type: string;
  readonly param: string | null;
  readonly code: string | null;
  readonly headers: Record<string, string>;

  constructor(status: number, message: string, options: { type?: string; param?: string; code?: string; headers?: Record<string, string> } = {}) {
    super(message);
    this.name = 'OpenAIError';
    this.status = status;
    this.type = options.type ?? (status >= 500 ? 'server_error' : 'invalid_request_error');
    this.param = options.param ?? null;
    this.code = options.code ?? null;
    this.headers = options.headers ?? {};
  }

  get body(): { error: { message: string; type: string; param: string | null; code: string | null } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export const invalidJson = () =>
  new OpenAIError(400, 'We could not parse the JSON body of your request. The OpenAI API expects a JSON payload.');

export const missingParameter = (param: string) =>
  new OpenAIError(400, `Missing required parameter: '${param}'.`, { param, code: 'missing_required_parameter' });

/**
 * OpenAI's answer for a parameter of the wrong JSON type, e.g. "Invalid type for 'messages[0].content':
 * expected a string, but got an array instead." (as reported in https://github.com/danny-avila/LibreChat/issues/3111).
 */
export const invalidType = (param: string, expected: string, value: unknown) =>
  new OpenAIError(400, `Invalid type for '${param}': expected ${expected}, but got ${jsonTypeName(value)} instead.`, { param, code: 'invalid_type' });

function jsonTypeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a decimal';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

export const invalidApiKey = () =>
  new OpenAIError(401, 'Incorrect API key provided. The stub model expects its upstream key in X-UPSTREAM-KEY, api-key or Authorization: Bearer.', { code: 'invalid_api_key' });

/** What no row of routes.ts answers. */
export const notServed = (method: string, path: string) =>
  new OpenAIError(404, `mock-models does not serve ${method} ${path}. See the README for the endpoints of the stub models.`, { code: 'not_found' });

/** A path of routes.ts, with a method none of its rows has. */
export const methodNotAllowed = (method: string, path: string, allowed: readonly string[]) =>
  new OpenAIError(405, `${method} is not allowed on ${path}; use ${allowed.join(' or ')}.`, { code: 'method_not_allowed', headers: { allow: allowed.join(', ') } });

/** A /__control endpoint without the control token the sandbox was started with. */
export const controlTokenRequired = () =>
  new OpenAIError(401, CONTROL_TOKEN_REQUIRED, { code: 'invalid_api_key', headers: CONTROL_CHALLENGE });

/** Azure OpenAI's answer for a deployment path naming no deployment. */
export const deploymentNotFound = (name: string) =>
  new OpenAIError(404, `The API deployment ${name} for this resource does not exist. mock-models serves the models of models.yaml only.`, { code: 'DeploymentNotFound' });

/** OpenAI's answer for a `model` it does not know. */
export const modelNotFound = (name: string) =>
  new OpenAIError(404, `The model \`${name}\` does not exist or you do not have access to it.`, { code: 'model_not_found' });

export const operationNotSupported = (name: string, operation: string) =>
  new OpenAIError(400, `The ${operation} operation does not work with the specified model, ${name}. Please choose different model and try again.`, { code: 'OperationNotSupported' });

/** The status a fault asks for, with OpenAI's words for the common ones. */
export function faultError(status: number, retryAfterSeconds: number | undefined): OpenAIError {
  const headers: Record<string, string> = retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) };
  switch (status) {
    case 429:
      return new OpenAIError(429, 'Rate limit reached for requests. Please try again later.', { type: 'requests', code: 'rate_limit_exceeded', headers });
    case 500:
      return new OpenAIError(500, 'The server had an error while processing your request. Sorry about that!', { headers });
    case 503:
      return new OpenAIError(503, 'The engine is currently overloaded, please try again later.', { headers });
    default:
      return new OpenAIError(status, `The stub model answers ${status} (a fault set for it).`, { headers });
  }
}
