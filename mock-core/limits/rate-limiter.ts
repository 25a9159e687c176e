/**
 * Core's rate limiter for model deployments (reference dial-core-and-chat.md §2.4, dial-core-newest.md §1.2,
 * §3): the limit of a caller for a deployment is the field-wise maximum over its roles that the deployment
 * admits, else the `default` role's, else none; checked before forwarding (tokens, then requests, which
 * count at once); the tokens an answer used are added after it.
 */
import type { Clock } from '../../common/clock.ts';
import type { Principal } from '../auth/authenticate.ts';
import { UNLIMITED, UNLIMITED_TEXT, type CoreConfig, type Deployment, type Limit } from '../config.ts';
import { DialError, dialJsonError } from '../errors.ts';
import { WINDOWS, type SlidingWindow } from './sliding-window.ts';

const NO_LIMIT: Limit = { minute: UNLIMITED, day: UNLIMITED, week: UNLIMITED, month: UNLIMITED, requestHour: UNLIMITED, requestDay: UNLIMITED };
const LIMIT_FIELDS = Object.keys(NO_LIMIT) as (keyof Limit)[];
/** The token windows in the order Core's message names them. */
const TOKEN_WINDOWS = [
  { name: 'minute', label: 'Minute', adjective: 'minute' },
  { name: 'day', label: 'Day', adjective: 'daily' },
  { name: 'week', label: 'Week', adjective: 'weekly' },
  { name: 'month', label: 'Month', adjective: 'monthly' },
] as const;

interface Counters {
  tokens: { minute: SlidingWindow; day: SlidingWindow; week: SlidingWindow; month: SlidingWindow };
  requests: { hour: SlidingWindow; day: SlidingWindow };
}

export interface LimitStats {
  minuteTokenStats: Stat;
  dayTokenStats: Stat;
  weekTokenStats: Stat;
  monthTokenStats: Stat;
  hourRequestStats: Stat;
  dayRequestStats: Stat;
  /** Cost budgets are not emulated: always unlimited and unused, as Core reports a role without costLimit. */
  minuteCostStats: Stat;
  dayCostStats: Stat;
  weekCostStats: Stat;
  monthCostStats: Stat;
}
type Stat = { total: number; used: number };

export class RateLimiter {
  readonly #clock: Clock;
  readonly #counters = new Map<string, Counters>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Throws Core's 403 or 429 when the call may not go ahead; otherwise counts the request. */
  check(caller: Principal, deployment: Deployment, config: CoreConfig): void {
    const limit = limitFor(caller, deployment, config);
    if (LIMIT_FIELDS.some((field) => limit[field] <= 0)) throw dialJsonError(403, 'Access denied', 'Access denied');
    const counters = this.#countersFor(caller, deployment);
    const now = this.#clock.now();

    const tokenTotals = TOKEN_WINDOWS.map(({ name }) => counters.tokens[name].total(now));
    if (TOKEN_WINDOWS.some(({ name }, i) => tokenTotals[i]! >= limit[name])) {
      const hit = TOKEN_WINDOWS.filter(({ name }, i) => tokenTotals[i]! >= limit[name]);
      const message = `Hit token rate limit. ${TOKEN_WINDOWS.map(({ name, label }, i) => `${label} limit: ${tokenTotals[i]} / ${show(limit[name])} tokens.`).join(' ')}`;
      const retryAfter = Math.max(...hit.map(({ name }) => counters.tokens[name].secondsUntilBelow(now, limit[name])));
      throw dialJsonError(429, message, `You've exceeded your ${listOf(hit.map(({ adjective }) => adjective))} token limit${hit.length > 1 ? 's' : ''}`, { 'retry-after': String(retryAfter) });
    }

    const hourRequests = counters.requests.hour.total(now);
    const dayRequests = counters.requests.day.total(now);
    if (hourRequests >= limit.requestHour || dayRequests >= limit.requestDay) {
      const message = `Hit request rate limit. Hour limit: ${hourRequests} / ${show(limit.requestHour)} requests. Day limit: ${dayRequests} / ${show(limit.requestDay)} requests.`;
      const hit = [
        ...(dayRequests >= limit.requestDay ? [['daily', counters.requests.day.secondsUntilBelow(now, limit.requestDay)] as const] : []),
        ...(hourRequests >= limit.requestHour ? [['hourly', counters.requests.hour.secondsUntilBelow(now, limit.requestHour)] as const] : []),
      ];
      // Core's display text for request limits is not known for 0.39; this follows its token wording.
      throw dialJsonError(429, message, `You've exceeded your ${listOf(hit.map(([name]) => name))} request limit${hit.length > 1 ? 's' : ''}`, { 'retry-after': String(Math.max(...hit.map(([, s]) => s))) });
    }
    counters.requests.hour.add(now, 1);
    counters.requests.day.add(now, 1);
  }

  /** After a 200 from the upstream: the tokens it reported. */
  addTokens(caller: Principal, deployment: Deployment, tokens: number): void {
    if (tokens <= 0) return;
    const now = this.#clock.now();
    const { tokens: windows } = this.#countersFor(caller, deployment);
    for (const { name } of TOKEN_WINDOWS) windows[name].add(now, tokens);
  }

  /** GET /v1/deployments/{id}/limits. */
  stats(caller: Principal, deployment: Deployment, config: CoreConfig): LimitStats {
    const limit = limitFor(caller, deployment, config);
    const counters = this.#countersFor(caller, deployment);
    const now = this.#clock.now();
    const stat = (total: number, window: SlidingWindow) => ({ total, used: window.total(now) });
    return {
      minuteTokenStats: stat(limit.minute, counters.tokens.minute),
      dayTokenStats: stat(limit.day, counters.tokens.day),
      weekTokenStats: stat(limit.week, counters.tokens.week),
      monthTokenStats: stat(limit.month, counters.tokens.month),
      hourRequestStats: stat(limit.requestHour, counters.requests.hour),
      dayRequestStats: stat(limit.requestDay, counters.requests.day),
      minuteCostStats: { total: UNLIMITED, used: 0 },
      dayCostStats: { total: UNLIMITED, used: 0 },
      weekCostStats: { total: UNLIMITED, used: 0 },
      monthCostStats: { total: UNLIMITED, used: 0 },
    };
  }

  #forgetIdle(): void {
    const now = this.#clock.now();
    for (const [key, counters] of this.#counters) if (isIdle(counters, now)) this.#counters.delete(key);
  }

  #countersFor(caller: Principal, deployment: Deployment): Counters {
    const key = `${bucketOf(caller, deployment)}${deployment.name}`;
    let counters = this.#counters.get(key);
    if (!counters) {
      if (this.#counters.size >= 10_000) this.#forgetIdle();
      counters = {
        tokens: { minute: WINDOWS.minute(), day: WINDOWS.day(), week: WINDOWS.week(), month: WINDOWS.month() },
        requests: { hour: WINDOWS.hour(), day: WINDOWS.day() },
      };
      this.#counters.set(key, counters);
    }
    return counters;
  }
}

/** Callers whose windows have all emptied need no counters: they start afresh, as they would in Core. */
function isIdle(counters: Counters, now: number): boolean {
  return [...Object.values(counters.tokens), ...Object.values(counters.requests)].every((window) => window.total(now) === 0);
}

/** Counters are per principal: `Users/<sub>/` or `Keys/<project>/`. A user without `sub` cannot call models. */
function bucketOf(caller: Principal, deployment: Deployment): string {
  if (caller.kind === 'key') return `Keys/${caller.project}/`;
  if (!caller.sub) throw new DialError(500, `Failed to process deployment: ${deployment.name}`);
  return `Users/${caller.sub}/`;
}

export function limitFor(caller: Principal, deployment: Deployment, config: CoreConfig): Limit {
  const limitOf = (role: string) => config.roles.get(role)?.get(deployment.name);
  const fallback = limitOf('default') ?? NO_LIMIT;
  const candidates = deployment.userRoles === undefined ? caller.roles : caller.roles.filter((r) => deployment.userRoles!.includes(r));
  const defined = candidates.map(limitOf).filter((l): l is Limit => l !== undefined);
  if (defined.length <= 1) return defined[0] ?? fallback;
  const max = (field: keyof Limit) => Math.max(...defined.map((l) => l[field]));
  return { minute: max('minute'), day: max('day'), week: max('week'), month: max('month'), requestHour: max('requestHour'), requestDay: max('requestDay') };
}

/** "a", "a and b", "a, b and c", in the order monthly, weekly, daily, minute (Core's TokenRateLimit). */
function listOf(words: string[]): string {
  const order = ['monthly', 'weekly', 'daily', 'hourly', 'minute'];
  const sorted = [...words].sort((a, b) => order.indexOf(a) - order.indexOf(b));
  return sorted.length <= 1 ? (sorted[0] ?? '') : `${sorted.slice(0, -1).join(', ')} and ${sorted.at(-1)}`;
}

function show(value: number): string {
  return value >= UNLIMITED ? UNLIMITED_TEXT : String(value);
}

/** JSON with Long.MAX_VALUE written out as Core writes it (JavaScript numbers cannot hold it). */
export function statsJson(stats: LimitStats): string {
  return JSON.stringify(stats).replace(new RegExp(`\\b${UNLIMITED}\\b`, 'g'), UNLIMITED_TEXT);
}
