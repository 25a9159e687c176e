/**
 * The console changes things only through the services' own HTTP APIs, as a client would: the Management API
 * with a real client-credentials token, the /__control endpoints with the control token, Core's deployment
 * API for "try it". One code path with the services' own checks, so bad input gets the service's own 4xx,
 * and every call shows in the services' logs as it would for anyone else.
 */
import { managementAudience } from '../mock-idp/management/management-api.ts';
import type { ConsoleServices } from './services.ts';
import { managementTokenRefused, noManagementClient } from './errors.ts';

/** What the console's views do with the Management API (a grant lacking one leaves that view read-only). */
export const MANAGEMENT_SCOPES = ['read:users', 'create:users', 'delete:users', 'read:roles', 'create:role_members', 'delete:role_members', 'read:signing_keys', 'create:signing_keys', 'update:signing_keys'];

export interface ServiceAnswer {
  status: number;
  body: unknown;
  /** The call as made, for the page to show: "POST /api/v2/users/…/roles → 204". */
  call: string;
}

/** A token is asked for again this long before its `exp` by the sandbox clock. */
const RENEW_BEFORE_MS = 60_000;

export class ServiceCalls {
  readonly #services: ConsoleServices;
  readonly #controlToken: string | undefined;
  #managementToken: { token: string; expiresAt: number } | undefined;

  constructor(services: ConsoleServices, controlToken: string | undefined) {
    this.#services = services;
    this.#controlToken = controlToken;
  }

  /** The application whose client grant lets the console manage users, roles and keys; or why there is none. */
  managementClient(): { client_id: string; client_secret: string } | { why: string } {
    const { tenant, issuer } = this.#services.idp;
    const audience = managementAudience(issuer);
    for (const grant of tenant.client_grants) {
      if (grant.audience !== audience || !MANAGEMENT_SCOPES.every((s) => grant.scope.includes(s))) continue;
      const client = tenant.clients.find((c) => c.client_id === grant.client_id);
      if (client?.client_secret && client.grant_types.includes('client_credentials')) return { client_id: client.client_id, client_secret: client.client_secret };
    }
    return {
      why: `No application of tenant.yaml may use the Management API with the scopes the console needs (${MANAGEMENT_SCOPES.join(', ')}): add a client grant for one with the client_credentials grant and a secret, as the tutorial's ci-runner has (README → Management API). Until then the console only shows users and roles.`,
    };
  }

  /** A Management API call with the console's own client-credentials token (asked for at /oauth/token, as any client would). */
  async management(method: string, path: string, body?: unknown): Promise<ServiceAnswer> {
    const token = await this.#managementAccessToken();
    return this.#call(`${this.#services.idp.httpUrl}/api/v2/${path}`, method, `/api/v2/${path}`, body, token);
  }

  /** A call of mock-core's API as the bearer of `token`. */
  core(method: string, path: string, token: string, body?: unknown): Promise<ServiceAnswer> {
    return this.#call(`${this.#services.core!.url}${path}`, method, path, body, token);
  }

  /** A grant at the IdP's /oauth/token, as any client asks for one. */
  token(body: Record<string, unknown>): Promise<ServiceAnswer> {
    return this.#call(`${this.#services.idp.httpUrl}/oauth/token`, 'POST', '/oauth/token', body);
  }

  /** One of the IdP's /__control endpoints, with the control token when one is set. */
  idpControl(method: string, path: string, body?: unknown): Promise<ServiceAnswer> {
    return this.#call(`${this.#services.idp.httpUrl}/__control/${path}`, method, `/__control/${path}`, body, this.#controlToken);
  }

  modelsControl(method: string, path: string, body?: unknown): Promise<ServiceAnswer> {
    return this.#call(`${this.#services.models.url}/__control/${path}`, method, `/__control/${path}`, body, this.#controlToken);
  }

  async #managementAccessToken(): Promise<string> {
    const now = this.#services.clock.now();
    if (this.#managementToken && this.#managementToken.expiresAt - RENEW_BEFORE_MS > now) return this.#managementToken.token;
    const client = this.managementClient();
    if ('why' in client) throw noManagementClient(client.why);
    const answer = await this.token({ grant_type: 'client_credentials', ...client, audience: managementAudience(this.#services.idp.issuer) });
    const granted = answer.body as { access_token?: string; expires_in?: number; error?: string; error_description?: string };
    if (answer.status !== 200 || !granted.access_token) {
      const scenario = this.#services.idp.scenario.current;
      throw managementTokenRefused(`The IdP refused the console's own token for the Management API (${client.client_id}): HTTP ${answer.status} ${granted.error ?? ''} ${granted.error_description ?? ''}${scenario ? `; the scenario ${scenario} is in force` : ''}.`.replace(/ +/g, ' '));
    }
    this.#managementToken = { token: granted.access_token, expiresAt: now + (granted.expires_in ?? 0) * 1000 };
    return granted.access_token;
  }

  async #call(url: string, method: string, shown: string, body: unknown, bearer?: string): Promise<ServiceAnswer> {
    const response = await fetch(url, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: the text as it came
    }
    return { status: response.status, body: parsed, call: `${method} ${shown}${body === undefined || shown === '/oauth/token' ? '' : ` ${JSON.stringify(body)}`} → ${response.status}` };
  }
}
