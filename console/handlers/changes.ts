/**
 * What the console changes, each through the service's own HTTP API (service-calls.ts): users and roles and
 * signing keys through the Management API, scenarios and the clock through the IdP's /__control, model
 * faults through the stub models'. The service's status and body come back as they are, with the call made;
 * each change is a line on the timeline.
 */
import { DATABASE_CONNECTION } from '../../mock-idp/accounts.ts';
import { SCENARIOS } from '../../mock-idp/scenarios/catalog.ts';
import { readJson, sendJson, type ConsoleExchange, type Handler } from '../exchange.ts';
import type { ServiceAnswer } from '../service-calls.ts';
import { outcomeOf } from '../feed.ts';
import { keyRole } from '../token-inspection.ts';

function answer({ res, console: state }: ConsoleExchange, what: string, result: ServiceAnswer): void {
  state.feed.note(what, { call: result.call }, outcomeOf(result.status));
  // A 204 carries no body, and the page needs this one (the call made): the service's status is in it.
  sendJson(res, result.status === 204 ? 200 : result.status, result);
}

export const createUser: Handler = async (exchange) => {
  const { email, password, name } = await readJson(exchange.req);
  answer(exchange, `user ${String(email)} created`, await exchange.console.calls.management('POST', 'users', { connection: DATABASE_CONNECTION, email, password, ...(name ? { name } : {}) }));
};

export const deleteUser: Handler = async (exchange) => {
  const id = exchange.params.id!;
  answer(exchange, `user ${id} deleted`, await exchange.console.calls.management('DELETE', `users/${encodeURIComponent(id)}`));
};

export const assignRoles: Handler = async (exchange) => {
  const { roles } = await readJson(exchange.req);
  const id = exchange.params.id!;
  answer(exchange, `roles assigned to ${id}`, await exchange.console.calls.management('POST', `users/${encodeURIComponent(id)}/roles`, { roles }));
};

export const removeRoles: Handler = async (exchange) => {
  const { roles } = await readJson(exchange.req);
  const id = exchange.params.id!;
  answer(exchange, `roles removed from ${id}`, await exchange.console.calls.management('DELETE', `users/${encodeURIComponent(id)}/roles`, { roles }));
};

export const rotateKey: Handler = async (exchange) => {
  answer(exchange, 'signing key rotated', await exchange.console.calls.management('POST', 'keys/signing/rotate'));
};

export const revokeKey: Handler = async (exchange) => {
  const kid = exchange.params.kid!;
  answer(exchange, `signing key ${kid} revoked`, await exchange.console.calls.management('PUT', `keys/signing/${encodeURIComponent(kid)}/revoke`));
};

/** What the controls view shows: scenarios (with what each does to Core), the clock, the keys, the models' faults. */
export const controls: Handler = async ({ res, console: state }) => {
  const { idp, models } = state.services;
  const [scenarios, clock] = await Promise.all([state.calls.idpControl('GET', 'scenarios'), state.calls.idpControl('GET', 'clock')]);
  const keys = idp.keys.published().map((k) => ({ kid: k.kid, role: keyRole(idp.keys, k.kid) }));
  sendJson(res, 200, {
    scenarios: scenarios.body,
    atCore: Object.fromEntries(Object.entries(SCENARIOS).map(([name, s]) => [name, s.atCore])),
    clock: clock.body,
    keys,
    models: models.definitions.map((d) => d.name),
  });
};

export const setScenario: Handler = async (exchange) => {
  const body = await readJson(exchange.req);
  const result = await exchange.console.calls.idpControl('PUT', 'scenario', body);
  answer(exchange, `scenario ${String(body.name)} on${typeof body.for_seconds === 'number' ? ` for ${body.for_seconds} s` : ''}`, result);
};

export const clearScenario: Handler = async (exchange) => {
  answer(exchange, 'scenario off', await exchange.console.calls.idpControl('DELETE', 'scenario'));
};

export const setClock: Handler = async (exchange) => {
  const body = await readJson(exchange.req);
  const words = [body.freeze === true && 'frozen', body.freeze === false && 'resumed', typeof body.advance_seconds === 'number' && `moved ${body.advance_seconds} s`].filter(Boolean).join(', ');
  answer(exchange, `clock ${words || 'set'}`, await exchange.console.calls.idpControl('PUT', 'clock', body));
};

export const resetClock: Handler = async (exchange) => {
  answer(exchange, 'clock back to the system clock', await exchange.console.calls.idpControl('DELETE', 'clock'));
};

export const setModelFault: Handler = async (exchange) => {
  const body = await readJson(exchange.req);
  const model = exchange.params.model!;
  answer(exchange, `fault on ${model}`, await exchange.console.calls.modelsControl('PUT', `models/${encodeURIComponent(model)}/fault`, body));
};

export const clearModelFault: Handler = async (exchange) => {
  const model = exchange.params.model!;
  answer(exchange, `fault on ${model} cleared`, await exchange.console.calls.modelsControl('DELETE', `models/${encodeURIComponent(model)}/fault`));
};
