/**
 * The Post-Login trigger: runs the tenant's bound Actions in order, as Auth0 does on interactive login, the
 * password grants and refresh, and folds what they asked for (claims, scopes, deny) into one outcome.
 */
import { randomUUID } from 'node:crypto';

import type { Logger } from '../../common/log.ts';
import { DATABASE_CONNECTION, publicProfile } from '../accounts.ts';
import { AccessDenied, Auth0Error } from '../errors.ts';
import type { Action, TenantClient, TenantUser } from '../tenant.ts';
import { ACTION_LIMITS, type ActionRunner, type ApiCall } from './action-runner.ts';
import { isRestrictedClaim } from './claim-rules.ts';

/** Auth0's limit for a whole flow (docs/auth0.md#actions-runtime). */
export const DEFAULT_ACTION_TIMEOUT_MS = 20_000;

export interface PostLoginRequest {
  user: TenantUser;
  /** Where the IdP serves the default profile pictures: `event.user.picture` is one unless the user has their own. */
  pictureOrigin: string;
  client: TenantClient;
  /** `oidc-basic-profile`, `oauth2-password`, `oauth2-refresh-token`, … */
  protocol: string;
  audience: string | undefined;
  scopes: string[];
  request: { ip: string; hostname: string; method: string; user_agent?: string; query: object; body: object };
  transaction?: { redirect_uri?: string; response_type?: string[]; response_mode?: string; state?: string; prompt?: string[]; login_hint?: string };
}

export interface PostLoginOutcome {
  accessTokenClaims: Record<string, unknown>;
  idTokenClaims: Record<string, unknown>;
  scopesAdded: string[];
  scopesRemoved: string[];
}

export class PostLoginTrigger {
  readonly #actions: Action[];
  readonly #runner: ActionRunner;
  readonly #timeoutMs: number;
  readonly #log: Logger;
  readonly #loginCounts = new Map<string, number>();

  constructor(actions: Action[], runner: ActionRunner, timeoutMs: number, log: Logger) {
    this.#actions = actions;
    this.#runner = runner;
    this.#timeoutMs = timeoutMs;
    this.#log = log;
  }

  /** Runs the flow; throws AccessDenied when an Action denies, throws or runs out of time. */
  async run(request: PostLoginRequest): Promise<PostLoginOutcome> {
    const outcome: PostLoginOutcome = { accessTokenClaims: {}, idTokenClaims: {}, scopesAdded: [], scopesRemoved: [] };
    const count = (this.#loginCounts.get(request.user.user_id) ?? 0) + (request.protocol === 'oauth2-refresh-token' ? 0 : 1);
    this.#loginCounts.set(request.user.user_id, count);
    // The flow's time is the Actions' own running time: a process booting or a queue is not the Action's doing.
    let remainingMs = this.#timeoutMs;

    for (const action of this.#actions) {
      const run = await this.#runner.run(action, buildEvent(request, action, count), Math.max(1, remainingMs));
      remainingMs -= run.ranMs;
      for (const line of run.logs) this.#log.info(`Action "${action.name}" console: ${line}`);
      if (run.runtimeError) {
        this.#log.error(`the Actions runtime failed while running "${action.name}": ${run.runtimeError}. This is the sandbox's fault, not the Action's.`);
        throw new Auth0Error(500, 'server_error', `The sandbox's Actions runtime failed: ${run.runtimeError}`);
      }
      if (run.timedOut) {
        this.#log.error(`Action "${action.name}" (${action.file}) exceeded the flow's ${this.#timeoutMs} ms and was stopped; the login fails.`);
        throw new AccessDenied('Request to Webtask exceeded allowed execution time');
      }
      if (run.outOfMemory) {
        this.#log.error(`Action "${action.name}" (${action.file}) used more memory than an Action may (${ACTION_LIMITS.heapMiB} MiB of heap, ${ACTION_LIMITS.residentMiB} MiB in all); its process was ended and the login fails. The next login starts a fresh process.`);
        throw new AccessDenied('Request to Webtask exceeded allowed memory');
      }
      if (run.exited) {
        this.#log.error(`Action "${action.name}" (${action.file}) ended its own process (it ${run.exited}); the login fails. The next login starts a fresh process.`);
        throw new AccessDenied(`The Action "${action.name}" ended unexpectedly`);
      }
      if (!run.ok) {
        this.#log.error(`Action "${action.name}" (${action.file}) threw; the login fails.\n${run.error?.stack || run.error?.message}`);
        throw new AccessDenied(run.error?.message ?? 'The Action failed');
      }
      // Auth0 stops the flow after an Action that denied; the remaining Actions do not run.
      const denial = run.calls.find((c) => c.method === 'access.deny');
      if (denial) {
        const reason = String(denial.args[0] ?? '');
        this.#log.info(`Action "${action.name}" denied the login of ${request.user.email}: ${reason}`);
        throw new AccessDenied(reason);
      }
      this.#apply(action, run.calls, outcome);
    }
    return outcome;
  }

  #apply(action: Action, calls: ApiCall[], outcome: PostLoginOutcome): void {
    for (const { method, args } of calls) {
      const [name, value] = args as [string, unknown];
      switch (method) {
        case 'accessToken.setCustomClaim':
        case 'idToken.setCustomClaim': {
          const target = method.startsWith('access') ? outcome.accessTokenClaims : outcome.idTokenClaims;
          if (isRestrictedClaim(name)) {
            this.#log.warn(`Action "${action.name}" set the restricted claim "${name}"; Auth0 drops it silently, and so does the sandbox. Use a name such as "dial_${name}".`);
          } else {
            target[name] = value;
          }
          break;
        }
        case 'accessToken.addScope':
          outcome.scopesAdded.push(name);
          break;
        case 'accessToken.removeScope':
          outcome.scopesRemoved.push(name);
          break;
        default:
          this.#log.info(`Action "${action.name}" called api.${method}(); the sandbox records it and does nothing more.`);
      }
    }
  }
}

/** The `event` object of a Post-Login Action (docs/auth0.md#post-login-event). */
function buildEvent(request: PostLoginRequest, action: Action, loginsCount: number): object {
  const { user, client } = request;
  return {
    user: { ...publicProfile(user, request.pictureOrigin), multifactor: [] },
    authorization: { roles: user.roles },
    client: { client_id: client.client_id, name: client.name, metadata: {} },
    connection: { id: 'con_sandbox', name: DATABASE_CONNECTION, strategy: 'auth0', metadata: {} },
    request: { ...request.request, language: 'en', geoip: {} },
    ...(request.audience ? { resource_server: { identifier: request.audience } } : {}),
    transaction: {
      id: randomUUID(),
      protocol: request.protocol,
      requested_scopes: request.scopes,
      locale: 'en',
      metadata: {},
      ...request.transaction,
    },
    authentication: { methods: [{ name: 'pwd', timestamp: new Date().toISOString() }] },
    stats: { logins_count: loginsCount },
    tenant: { id: 'sandbox' },
    secrets: action.secrets,
  };
}
