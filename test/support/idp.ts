/** Test helpers for mock-idp: a started IdP on free ports, and the requests tests make against it. */
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';

import { createMemoryLogger } from '../../common/log.ts';
import { createIdp, type Idp } from '../../mock-idp/idp.ts';
import type { Tenant } from '../../mock-idp/tenant.ts';
import { loadEnvironment } from '../../sandbox/environment.ts';

export interface TestIdp extends Idp {
  tenant: Tenant;
  logs: string[];
  /** POST /oauth/token with a JSON body; answers status and parsed body. */
  token(body: Record<string, unknown>, init?: { form?: boolean; headers?: Record<string, string> }): Promise<{ status: number; body: TokenBody }>;
  /** Verifies a token against the published JWKS, as a relying party would. */
  verify(token: string, audience?: string): Promise<JWTPayload>;
}

export interface TokenBody {
  access_token?: string;
  id_token?: string;
  refresh_token?: string;
  scope?: string;
  expires_in?: number;
  token_type?: string;
  error?: string;
  error_description?: string;
}

/** The default environment's tenant, changed by `edit` (each test file gets its own copy). */
export function tutorialTenant(edit?: (tenant: Tenant) => void): Tenant {
  const { tenant } = loadEnvironment();
  edit?.(tenant);
  return tenant;
}

/** `stateDir`: a folder of the file's own (privateStateDir), for a file that changes users, roles or keys. */
export async function startTestIdp(options: { tenant?: Tenant; actionTimeoutMs?: number; stateDir?: string } = {}): Promise<TestIdp> {
  const tenant = options.tenant ?? tutorialTenant();
  const log = createMemoryLogger('mock-idp');
  const idp = await createIdp({
    tenant,
    stateDir: options.stateDir ?? process.env.SANDBOX_TEST_STATE_DIR,
    httpPort: 0,
    httpsPort: 0,
    actionTimeoutMs: options.actionTimeoutMs,
    log,
  });
  const jwks = createRemoteJWKSet(new URL(`${idp.httpsUrl}/.well-known/jwks.json`));
  return Object.assign(idp, {
    tenant,
    logs: log.lines,
    async token(body: Record<string, unknown>, init: { form?: boolean; headers?: Record<string, string> } = {}) {
      const response = await fetch(`${idp.httpsUrl}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': init.form ? 'application/x-www-form-urlencoded' : 'application/json', ...init.headers },
        body: init.form ? new URLSearchParams(body as Record<string, string>).toString() : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as TokenBody };
    },
    async verify(token: string, audience?: string) {
      const { payload } = await jwtVerify(token, jwks, { issuer: idp.issuer, audience, algorithms: ['RS256'] });
      return payload;
    },
  });
}

/** GET a URL and parse its JSON body (tests assert on its shape). */
export async function getJson(url: string, init?: RequestInit): Promise<any> {
  return (await fetch(url, init)).json();
}

export const alice = { username: 'alice@example.com', password: 'alice' };
export const bob = { username: 'bob@example.com', password: 'bob' };
export const dialChat = { client_id: 'dial-chat', client_secret: 'dial-chat-secret' };
export const ciRunner = { client_id: 'ci-runner', client_secret: 'ci-runner-secret' };

export { decodeJwt, decodeProtectedHeader };
