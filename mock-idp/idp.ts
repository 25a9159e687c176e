/**
 * createIdp: the Auth0-compatible identity provider for one tenant, on HTTP and HTTPS at once, with the same
 * endpoints and the same issuer (`https://<domain>/`) on both.
 */
import http from 'node:http';
import https from 'node:https';
import { resolve } from 'node:path';

import { systemClock, type Clock } from '../common/clock.ts';
import { listen } from '../common/listen.ts';
import { createLogger, type Logger } from '../common/log.ts';
import { mintToken, type MintRequest } from './control/mint-token.ts';
import { createIdpRequestLog, noteGrants, type IdpRequestLog } from './control/token-log.ts';
import { Accounts } from './accounts.ts';
import { pictureOrigin } from './avatar.ts';
import { ActionRunner } from './actions/action-runner.ts';
import { DEFAULT_ACTION_TIMEOUT_MS, PostLoginTrigger } from './actions/post-login.ts';
import { IDP_DEFAULTS } from './defaults.ts';
import { loadOrCreateSigningKeys, type SigningKeys } from './keys.ts';
import { MemoryStore } from './memory-adapter.ts';
import { createProvider } from './provider.ts';
import { createRoutes } from './routes.ts';
import { ActiveScenario } from './scenarios/active-scenario.ts';
import type { Tenant } from './tenant.ts';
import { withManagementApi } from './management/management-api.ts';
import { Directory } from './directory/directory.ts';
import { loadOrCreateTls } from './tls.ts';

export interface IdpOptions {
  tenant: Tenant;
  /** Where the CA, the HTTPS certificate and the signing keys are kept. */
  stateDir?: string;
  host?: string;
  /** 0 picks a free port. */
  httpPort?: number;
  httpsPort?: number;
  /** Time limit of one Post-Login flow. */
  actionTimeoutMs?: number;
  /** More names for the HTTPS certificate (e.g. a compose service name). */
  tlsNames?: string[];
  log?: Logger;
  /** The sandbox clock, shared with mock-core; access tokens carry its time. The system clock by default. */
  clock?: Clock;
  /** With one, every /__control endpoint wants it (Authorization: Bearer); without, they answer anyone. */
  controlToken?: string;
}

export interface Idp extends AsyncDisposable {
  /** `https://<domain>/`, with the trailing slash, as Auth0's. */
  readonly issuer: string;
  readonly httpUrl: string;
  readonly httpsUrl: string;
  /** The CA that signed the HTTPS certificate: trust it with NODE_EXTRA_CA_CERTS. */
  readonly caFile: string;
  readonly keys: SigningKeys;
  readonly accounts: Accounts;
  /** The users and roles as the Management API left them (`reset()` restores tenant.yaml's). */
  readonly directory: Directory;
  /** The named fault in force (also switched over /__control/scenario). */
  readonly scenario: ActiveScenario;
  /** Recent /oauth/token answers (also at GET /__control/log). */
  readonly requestLog: IdpRequestLog;
  /** The tenant as served: tenant.yaml's, with the Management API and its keywords resolved. */
  readonly tenant: Tenant;
  /** A token as POST /__control/tokens mints it (the Actions run), but not spoiled by a scenario nor logged. */
  mint(request: MintRequest): Promise<{ access_token: string; claims: Record<string, unknown> }>;
  stop(): Promise<void>;
}

export async function createIdp(options: IdpOptions): Promise<Idp> {
  const { tenant: defined } = options;
  const stateDir = resolve(options.stateDir ?? IDP_DEFAULTS.stateDir);
  const host = options.host ?? IDP_DEFAULTS.host;
  const log = options.log ?? createLogger('mock-idp');
  const tls = loadOrCreateTls(stateDir, [...(defined.domain ? [defined.domain] : []), ...(options.tlsNames ?? [])]);

  // Listen first: the default domain, and so the issuer, carries the HTTPS port actually bound.
  let app: http.RequestListener = (_req, res) => res.writeHead(503).end();
  const httpServer = http.createServer((req, res) => app(req, res));
  const httpsServer = https.createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => app(req, res));
  const [httpListening, httpsListening] = await Promise.all([
    listen(httpServer, options.httpPort ?? IDP_DEFAULTS.httpPort, host),
    listen(httpsServer, options.httpsPort ?? IDP_DEFAULTS.httpsPort, host, 'https'),
  ]);
  const domain = defined.domain ?? `localhost:${httpsListening.port}`;
  const issuer = `https://${domain}/`;
  const tenant = withManagementApi(defined, issuer);

  const keys = loadOrCreateSigningKeys(stateDir, domain);
  const directory = new Directory(stateDir, tenant, log);
  const accounts = new Accounts(directory, pictureOrigin(issuer, tenant.browser_origin));
  const runner = new ActionRunner();
  const trigger = new PostLoginTrigger(tenant.post_login_actions, runner, options.actionTimeoutMs ?? DEFAULT_ACTION_TIMEOUT_MS, log);
  const store = new MemoryStore();
  const clock = options.clock ?? systemClock;
  const deps = { tenant, issuer, keys, accounts, directory, clock, trigger, store };
  const provider = createProvider(deps);
  const scenario = new ActiveScenario(clock);
  const requestLog = createIdpRequestLog((userId) => accounts.byId(userId)?.email);
  noteGrants(provider);
  app = createRoutes({ provider, deps, scenario, requestLog, log, controlToken: options.controlToken });

  const stop = async () => {
    httpServer.closeAllConnections();
    httpsServer.closeAllConnections();
    store.close();
    directory.close();
    await Promise.all([closeServer(httpServer), closeServer(httpsServer), runner.close()]);
  };
  return {
    issuer,
    httpUrl: httpListening.url,
    httpsUrl: httpsListening.url,
    caFile: tls.caFile,
    keys,
    accounts,
    directory,
    scenario,
    requestLog,
    tenant,
    mint: (request) => mintToken(deps, request),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

function closeServer(server: http.Server | https.Server): Promise<void> {
  return new Promise((done) => server.close(() => done()));
}
