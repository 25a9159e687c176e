/**
 * Who may call what, and why: the directory's users and Core's API keys × Core's deployments, each cell
 * decided by mock-core's own code (the identity provider's reading of the token, `hasAccess`/`accessRule`,
 * the rate limiter's `refusal` and `stats`), never by a copy of its rules. Nothing here changes what Core
 * answers: no JWKS is fetched (providerFor, claimsOf) and no limit window is counted or made.
 */
import { explainRejection } from '../mock-core/auth/token-rejection.ts';
import type { UserClaims } from '../mock-core/auth/identity-provider.ts';
import type { Principal } from '../mock-core/auth/authenticate.ts';
import { accessRule, hasAccess } from '../mock-core/access.ts';
import { UNLIMITED, type CoreConfig, type Deployment } from '../mock-core/config.ts';
import type { Core } from '../mock-core/core.ts';
import { DialError } from '../mock-core/errors.ts';
import type { LimitStats } from '../mock-core/limits/rate-limiter.ts';
import type { Idp } from '../mock-idp/idp.ts';
import type { TenantUser } from '../mock-idp/tenant.ts';
import { expiryInWords } from '../common/token-words.ts';
import type { Clock } from '../common/clock.ts';
import { MATRIX_ROWS } from './defaults.ts';

export interface Column {
  name: string;
  kind: 'model' | 'application' | 'route';
  /** undefined: every authenticated caller; []: nobody. */
  userRoles?: string[];
}

/** What Core reads of a token: the provider that would verify it, and the roles at its rolePath. */
export interface CoreReading {
  provider?: string;
  rolePath: string[];
  roles: string[];
  sub?: string;
  /** Why Core would not get as far as roles (no provider for this `iss`, say), in Core's words. */
  refused?: string;
  note?: string;
}

export interface Cell {
  deployment: string;
  allowed: boolean;
  /** What Core answers a call now: 200, or its refusal's status. */
  status: number;
  /** The userRoles rule as it applied (accessRule's words, the ones Core's request log shows). */
  rule: string;
  /** Core's refusal past the rule (a limit of 0, a limit reached), in its words. */
  refusal?: string;
  /** The current windows with a limit: used of total. */
  limits?: { window: string; used: number; total: number }[];
}

export interface Verdicts {
  reading: CoreReading;
  cells: Cell[];
}

export interface UserRow {
  kind: 'user';
  id: string;
  label: string;
  /** Roles assigned in the directory (what the Actions read), beside what the token carries. */
  assigned: string[];
  /** What a login now would carry, the Post-Login Actions run: the matrix's main verdicts. */
  next: Verdicts | { refused: string };
  /** The token this user last got from /oauth/token (the IdP's log), read the same way. */
  held?: Verdicts & { issuedAt: string; expiry: string; expired: boolean };
}

export interface KeyRow {
  kind: 'key';
  id: string;
  label: string;
  project: string;
  next: Verdicts;
}

interface IssuedToken {
  claims: Record<string, unknown>;
  at: string;
}

export interface Matrix {
  columns: Column[];
  rows: (UserRow | KeyRow)[];
  /** Users left out past MATRIX_ROWS (filter to see them). */
  more: number;
  now: string;
}

export class AccessView {
  readonly #idp: Idp;
  readonly #core: Core | undefined;
  readonly #clock: Clock;
  /** A user's next-login token, by user and directory version: the Actions run again only when the directory changed. */
  #minted = new Map<string, Promise<{ claims: Record<string, unknown> } | { refused: string }>>();
  #mintedVersion = -1;

  constructor(idp: Idp, core: Core | undefined, clock: Clock) {
    this.#idp = idp;
    this.#core = core;
    this.#clock = clock;
  }

  columns(): Column[] {
    const config = this.#config();
    if (!config) return [];
    const deployment = (d: Deployment): Column => ({ name: d.name, kind: d.kind, userRoles: d.userRoles });
    return [...[...config.models.values()].map(deployment), ...[...config.applications.values()].map(deployment), ...config.routes.map((r): Column => ({ name: r.name, kind: 'route', userRoles: r.userRoles }))];
  }

  async matrix(filter = ''): Promise<Matrix> {
    const wanted = filter.trim().toLowerCase();
    const users = [...this.#idp.accounts.all].filter((u) => !wanted || u.email.toLowerCase().includes(wanted)).sort((a, b) => a.email.localeCompare(b.email));
    const shown = users.slice(0, MATRIX_ROWS);
    const issued = this.#lastIssued();
    const userRows = await Promise.all(shown.map((user) => this.#userRow(user, issued.get(user.user_id))));
    const keyRows = [...(this.#config()?.keys ?? [])].filter(([key, k]) => !wanted || k.project.toLowerCase().includes(wanted) || key.toLowerCase().includes(wanted)).map(([key, k]) => this.#keyRow(key, k));
    return { columns: this.columns(), rows: [...userRows, ...keyRows], more: users.length - shown.length, now: new Date(this.#clock.now()).toISOString() };
  }

  async #userRow(user: TenantUser, lastIssued: IssuedToken | undefined): Promise<UserRow> {
    const minted = await this.#nextLogin(user);
    const held = lastIssued && this.#heldToken(lastIssued);
    return {
      kind: 'user',
      id: user.user_id,
      label: user.email,
      assigned: user.roles ?? [],
      next: 'refused' in minted ? minted : this.verdicts(minted.claims),
      held,
    };
  }

  /** Core's reading of a token's claims and its verdict on every deployment. */
  verdicts(claims: Record<string, unknown>): Verdicts {
    const reading = this.reading(claims);
    if (!reading.claims) return { reading: withoutClaims(reading), cells: [] };
    return { reading: withoutClaims(reading), cells: this.#cells({ kind: 'user', token: '', ...reading.claims }) };
  }

  /** What Core reads of a token's payload: which provider, the roles at its rolePath. */
  reading(claims: Record<string, unknown>): CoreReading & { claims?: UserClaims } {
    if (!this.#core) return { rolePath: [], roles: [], refused: 'no mock-core runs in this environment' };
    try {
      const provider = this.#core.validator.providerFor(claims);
      const read = provider.claimsOf(claims);
      return {
        provider: provider.name,
        rolePath: provider.settings.rolePath,
        roles: read.roles,
        sub: read.sub,
        claims: read,
        note: provider.usesUserInfo ? `Core asks ${provider.settings.userInfoEndpoint} for this caller's claims; shown: what the token itself carries` : undefined,
      };
    } catch (error) {
      return { rolePath: [], roles: [], refused: `${(error as Error).message} (${explainRejection(error)})` };
    }
  }

  #keyRow(key: string, { project, roles }: { project: string; roles: string[] }): KeyRow {
    const principal: Principal = { kind: 'key', key, project, roles };
    return { kind: 'key', id: key, label: key, project, next: { reading: { rolePath: [], roles }, cells: this.#cells(principal) } };
  }

  #cells(principal: Principal): Cell[] {
    const config = this.#config()!;
    const deployments = [...config.models.values(), ...config.applications.values()];
    return [
      ...deployments.map((d) => this.#deploymentCell(principal, d, config)),
      ...config.routes.map((r): Cell => {
        const allowed = hasAccess(r.userRoles, principal.roles);
        return { deployment: r.name, allowed, status: allowed ? 200 : 403, rule: accessRule(r.userRoles, principal.roles), refusal: allowed ? undefined : 'Forbidden route' };
      }),
    ];
  }

  #deploymentCell(principal: Principal, deployment: Deployment, config: CoreConfig): Cell {
    const rule = accessRule(deployment.userRoles, principal.roles);
    if (!hasAccess(deployment.userRoles, principal.roles)) return { deployment: deployment.name, allowed: false, status: 403, rule, refusal: `Forbidden deployment: ${deployment.name}` };
    const limiter = this.#core!.limiter;
    try {
      const refusal = limiter.refusal(principal, deployment, config);
      const limits = limitLines(limiter.stats(principal, deployment, config));
      return refusal
        ? { deployment: deployment.name, allowed: false, status: refusal.status, rule, refusal: coreWords(refusal), limits }
        : { deployment: deployment.name, allowed: true, status: 200, rule, limits };
    } catch (error) {
      // A user without `sub`: Core cannot count their calls and answers 500.
      if (error instanceof DialError) return { deployment: deployment.name, allowed: false, status: error.status, rule, refusal: `${coreWords(error)} (the token has no sub, so Core has nowhere to count the calls)` };
      throw error;
    }
  }

  #nextLogin(user: TenantUser): Promise<{ claims: Record<string, unknown> } | { refused: string }> {
    const version = this.#idp.directory.version;
    if (version !== this.#mintedVersion) {
      this.#minted = new Map();
      this.#mintedVersion = version;
    }
    let minted = this.#minted.get(user.user_id);
    if (!minted) {
      minted = this.#idp.mint({ user: user.user_id }).then(({ claims }) => ({ claims }), (error: Error) => ({ refused: `a login now is refused: ${error.message}` }));
      this.#minted.set(user.user_id, minted);
    }
    return minted;
  }

  /** Each user's last token from /oauth/token, by sub: the IdP's log read once for the whole matrix. */
  #lastIssued(): Map<string, IssuedToken> {
    const issued = new Map<string, IssuedToken>();
    for (const entry of this.#idp.requestLog.entries()) {
      const claims = entry.access_token?.claims as Record<string, unknown> | undefined;
      if (entry.status === 200 && claims && typeof claims === 'object' && typeof claims.sub === 'string') issued.set(claims.sub, { claims, at: entry.at });
    }
    return issued;
  }

  #heldToken({ claims, at }: IssuedToken): UserRow['held'] {
    const exp = claims.exp;
    return {
      ...this.verdicts(claims),
      issuedAt: at,
      expiry: expiryInWords(exp, this.#clock.now()),
      expired: typeof exp === 'number' && exp * 1000 <= this.#clock.now(),
    };
  }

  #config(): CoreConfig | undefined {
    return this.#core?.config.current;
  }
}

const WINDOWS: [keyof LimitStats, string][] = [
  ['minuteTokenStats', 'tokens per minute'],
  ['dayTokenStats', 'tokens per day'],
  ['weekTokenStats', 'tokens per week'],
  ['monthTokenStats', 'tokens per month'],
  ['hourRequestStats', 'requests per hour'],
  ['dayRequestStats', 'requests per day'],
  ['minuteCostStats', 'dollars per minute'],
  ['dayCostStats', 'dollars per day'],
  ['weekCostStats', 'dollars per week'],
  ['monthCostStats', 'dollars per month'],
];

/** The windows that have a limit (Core shows the others as Long.MAX_VALUE). */
function limitLines(stats: LimitStats): Cell['limits'] {
  return WINDOWS.filter(([name]) => stats[name].total < UNLIMITED).map(([name, window]) => ({ window, ...stats[name] }));
}

const withoutClaims = ({ claims: _claims, ...reading }: CoreReading & { claims?: UserClaims }): CoreReading => reading;

/** Core's message in a refusal's body (`{"error":{"message"}}`), or the body itself. */
function coreWords(error: DialError): string {
  try {
    return (JSON.parse(error.body) as { error: { message: string } }).error.message;
  } catch {
    return error.body || `HTTP ${error.status}`;
  }
}
