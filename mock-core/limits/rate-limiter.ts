/**
 * Core's rate limiter for model deployments (docs/dial-core.md#rate-limits, docs/dial-core.md#limit-answers,
 * docs/dial-core.md#cost): the limit of a caller for a deployment is the field-wise maximum over its roles
 * that the deployment admits, else the `default` role's, else none; the caller's cost budget is the
 * field-wise maximum of the `costLimit`s of all its roles, else the `default` role's, across every model.
 * Checked before forwarding (tokens, then requests, which count at once, then cost); what an answer used and
 * cost is added after it.
 */
import type { Clock } from '../../common/clock.ts';
import type { Principal } from '../auth/authenticate.ts';
import { UNLIMITED, UNLIMITED_TEXT, type CoreConfig, type CostLimit, type Deployment, type Limit } from '../config.ts';
import { DialError, dialJsonError } from '../errors.ts';
import { dollars, UNLIMITED_COST, usd } from './cost.ts';
import { SlidingWindow, WINDOWS } from './sliding-window.ts';
import type { TokenUsage } from './usage.ts';

const NO_LIMIT: Limit = { minute: UNLIMITED, day: UNLIMITED, week: UNLIMITED, month: UNLIMITED, requestHour: UNLIMITED, requestDay: UNLIMITED };
const NO_COST_LIMIT: CostLimit = { minute: UNLIMITED_COST, day: UNLIMITED_COST, week: UNLIMITED_COST, month: UNLIMITED_COST };
const LIMIT_FIELDS = Object.keys(NO_LIMIT) as (keyof Limit)[];
/** The windows of tokens and of cost, in the order Core's messages name them, with the words its display messages use. */
const PERIODS = [
  { name: 'minute', label: 'Minute', adjective: 'minute', costAdjective: 'minutely' },
  { name: 'day', label: 'Day', adjective: 'daily', costAdjective: 'daily' },
  { name: 'week', label: 'Week', adjective: 'weekly', costAdjective: 'weekly' },
  { name: 'month', label: 'Month', adjective: 'monthly', costAdjective: 'monthly' },
] as const;
type Period = (typeof PERIODS)[number]['name'];
type Periods = Record<Period, SlidingWindow>;
const periodWindows = (): Periods => ({ minute: WINDOWS.minute(), day: WINDOWS.day(), week: WINDOWS.week(), month: WINDOWS.month() });

interface Counters {
  tokens: Periods;
  requests: { hour: SlidingWindow; day: SlidingWindow };
}

export interface LimitStats {
  minuteTokenStats: Stat;
  dayTokenStats: Stat;
  weekTokenStats: Stat;
  monthTokenStats: Stat;
  hourRequestStats: Stat;
  dayRequestStats: Stat;
  /** The caller's budget and spending across every model, in dollars. */
  minuteCostStats: Stat;
  dayCostStats: Stat;
  weekCostStats: Stat;
  monthCostStats: Stat;
}
type Stat = { total: number; used: number };

export class RateLimiter {
  readonly #clock: Clock;
  /** Per principal and deployment. */
  readonly #counters = new Map<string, Counters>();
  /** Per principal: what its calls cost, whichever model answered. */
  readonly #costs = new Map<string, Periods>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Throws Core's 403 or 429 when the call may not go ahead; otherwise counts the request. */
  check(caller: Principal, deployment: Deployment, config: CoreConfig): void {
    const refusal = this.#decide(caller, deployment, config, true);
    if (refusal) throw refusal;
  }

  /** The 403 or 429 Core would answer a call now, counting nothing (the sandbox's console shows it); or none. */
  refusal(caller: Principal, deployment: Deployment, config: CoreConfig): DialError | undefined {
    return this.#decide(caller, deployment, config, false);
  }

  /** `count`: a real call, which counts the request once it passes the rate limits; otherwise windows are only read. */
  #decide(caller: Principal, deployment: Deployment, config: CoreConfig, count: boolean): DialError | undefined {
    const limit = limitFor(caller, deployment, config);
    if (LIMIT_FIELDS.some((field) => limit[field] <= 0)) return dialJsonError(403, 'Access denied', 'Access denied');
    const counters = count ? this.#countersFor(caller, deployment) : this.#counters.get(countersKey(caller, deployment)) ?? newCounters();
    const now = this.#clock.now();

    if (anyReached(counters.tokens, limit, now)) {
      const tokenTotals = PERIODS.map(({ name }) => counters.tokens[name].total(now));
      const hit = PERIODS.filter(({ name }, i) => tokenTotals[i]! >= limit[name]);
      const message = `Hit token rate limit. ${PERIODS.map(({ name, label }, i) => `${label} limit: ${tokenTotals[i]} / ${show(limit[name])} tokens.`).join(' ')}`;
      const retryAfter = Math.max(...hit.map(({ name }) => counters.tokens[name].secondsUntilBelow(now, limit[name])));
      return dialJsonError(429, message, `You've exceeded your ${listOf(hit.map(({ adjective }) => adjective))} token limit${hit.length > 1 ? 's' : ''}`, { 'retry-after': String(retryAfter) });
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
      return dialJsonError(429, message, `You've exceeded your ${listOf(hit.map(([name]) => name))} request limit${hit.length > 1 ? 's' : ''}`, { 'retry-after': String(Math.max(...hit.map(([, s]) => s))) });
    }
    if (count) {
      counters.requests.hour.add(now, 1);
      counters.requests.day.add(now, 1);
    }

    // The request has counted by now, as in Core, even when the budget then refuses the call.
    const budget = costLimitFor(caller, config);
    const spent = count ? this.#costsFor(caller, deployment) : this.#costs.get(bucketOf(caller, deployment)) ?? periodWindows();
    if (anyReached(spent, budget, now)) {
      const costTotals = PERIODS.map(({ name }) => spent[name].total(now));
      const message = `Hit cost rate limit. ${PERIODS.map(({ name, label }, i) => `${label} limit: ${usd(costTotals[i]!)} / ${usd(budget[name])}.`).join(' ')}`;
      const retryAfter = Math.max(...PERIODS.map(({ name }) => spent[name].secondsUntilBelow(now, budget[name])));
      const hit = PERIODS.filter(({ name }, i) => costTotals[i]! >= budget[name]).map(({ costAdjective }) => costAdjective);
      return dialJsonError(429, message, costDisplayMessage(hit), { 'retry-after': String(retryAfter) });
    }
    return undefined;
  }

  /** After a 200 from the upstream: the tokens it reported and what they cost (nano-dollars), if priced. */
  record(caller: Principal, deployment: Deployment, usage: TokenUsage | undefined, cost: number | undefined): void {
    const now = this.#clock.now();
    if (usage && usage.total > 0) {
      const { tokens } = this.#countersFor(caller, deployment);
      for (const { name } of PERIODS) tokens[name].add(now, usage.total);
    }
    if (cost !== undefined && cost > 0) {
      const spent = this.#costsFor(caller, deployment);
      for (const { name } of PERIODS) spent[name].add(now, cost);
    }
  }

  /** GET /v1/deployments/{id}/limits. */
  stats(caller: Principal, deployment: Deployment, config: CoreConfig): LimitStats {
    const limit = limitFor(caller, deployment, config);
    const budget = costLimitFor(caller, config);
    // Read, never made: a caller who never called has empty windows, and asking must not hold an entry for them.
    const counters = this.#counters.get(countersKey(caller, deployment)) ?? newCounters();
    const spent = this.#costs.get(bucketOf(caller, deployment)) ?? periodWindows();
    const now = this.#clock.now();
    const stat = (total: number, window: SlidingWindow) => ({ total, used: window.total(now) });
    const costStat = (name: keyof CostLimit) => ({ total: budget[name] >= UNLIMITED_COST ? UNLIMITED : dollars(budget[name]), used: dollars(spent[name].total(now)) });
    return {
      minuteTokenStats: stat(limit.minute, counters.tokens.minute),
      dayTokenStats: stat(limit.day, counters.tokens.day),
      weekTokenStats: stat(limit.week, counters.tokens.week),
      monthTokenStats: stat(limit.month, counters.tokens.month),
      hourRequestStats: stat(limit.requestHour, counters.requests.hour),
      dayRequestStats: stat(limit.requestDay, counters.requests.day),
      minuteCostStats: costStat('minute'),
      dayCostStats: costStat('day'),
      weekCostStats: costStat('week'),
      monthCostStats: costStat('month'),
    };
  }

  #countersFor(caller: Principal, deployment: Deployment): Counters {
    return this.#entry(this.#counters, countersKey(caller, deployment), newCounters);
  }

  #costsFor(caller: Principal, deployment: Deployment): Periods {
    return this.#entry(this.#costs, bucketOf(caller, deployment), periodWindows);
  }

  /** The entry under `key`, made when missing; past 10,000 entries, those whose windows are all empty go first. */
  #entry<T extends object>(map: Map<string, T>, key: string, make: () => T): T {
    let entry = map.get(key);
    if (!entry) {
      if (map.size >= 10_000) {
        const now = this.#clock.now();
        for (const [other, windows] of map) if (isIdle(windows, now)) map.delete(other);
      }
      map.set(key, (entry = make()));
    }
    return entry;
  }
}

const countersKey = (caller: Principal, deployment: Deployment): string => `${bucketOf(caller, deployment)}${deployment.name}`;
const newCounters = (): Counters => ({ tokens: periodWindows(), requests: { hour: WINDOWS.hour(), day: WINDOWS.day() } });

/** Whether any window's total has reached its limit (checked on every call to a model: no arrays made). */
function anyReached(windows: Periods, limits: Record<Period, number>, now: number): boolean {
  for (const { name } of PERIODS) if (windows[name].total(now) >= limits[name]) return true;
  return false;
}

/** Callers whose windows have all emptied need no counters: they start afresh, as they would in Core. */
function isIdle(windows: object, now: number): boolean {
  return Object.values(windows).every((window: SlidingWindow | object) => (window instanceof SlidingWindow ? window.total(now) === 0 : isIdle(window, now)));
}

/** Core's words, its quirk kept: "You've exceeded your monthly and  daily cost limits" (two spaces). */
function costDisplayMessage(periods: string[]): string {
  const ordered = [...periods].sort((a, b) => COST_ORDER.indexOf(a) - COST_ORDER.indexOf(b));
  let text = "You've exceeded your";
  ordered.forEach((period, i) => {
    if (i > 0) text += i === ordered.length - 1 ? ' and ' : ',';
    text += ` ${period}`;
  });
  return `${text} cost limit${ordered.length > 1 ? 's' : ''}`;
}
const COST_ORDER = ['monthly', 'weekly', 'daily', 'minutely'];

/** All the caller's roles count, whatever the deployment admits: a budget is not per model. */
function costLimitFor(caller: Principal, config: CoreConfig): CostLimit {
  const costLimitOf = (role: string) => config.costLimits.get(role);
  return fieldwiseMax(caller.roles.map(costLimitOf), costLimitOf('default') ?? NO_COST_LIMIT);
}

/** Counters are per principal: `Users/<sub>/` or `Keys/<project>/`. A user without `sub` cannot call models. */
function bucketOf(caller: Principal, deployment: Deployment): string {
  if (caller.kind === 'key') return `Keys/${caller.project}/`;
  if (!caller.sub) throw new DialError(500, `Failed to process deployment: ${deployment.name}`);
  return `Users/${caller.sub}/`;
}

function limitFor(caller: Principal, deployment: Deployment, config: CoreConfig): Limit {
  const limitOf = (role: string) => config.roles.get(role)?.get(deployment.name);
  const candidates = deployment.userRoles === undefined ? caller.roles : caller.roles.filter((r) => deployment.userRoles!.includes(r));
  return fieldwiseMax(candidates.map(limitOf), limitOf('default') ?? NO_LIMIT);
}

/** Core's rule for a caller with several roles: each field's maximum over the roles that set one, else `fallback`. */
function fieldwiseMax<T extends { [K in keyof T]: number }>(candidates: (T | undefined)[], fallback: T): T {
  if (candidates.length === 1) return candidates[0] ?? fallback; // one role, the usual case: nothing to combine
  const defined = candidates.filter((l): l is T => l !== undefined);
  if (defined.length <= 1) return defined[0] ?? fallback;
  const fields = Object.keys(defined[0]!) as (keyof T)[];
  return Object.fromEntries(fields.map((field) => [field, Math.max(...defined.map((l) => l[field]))])) as T;
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
