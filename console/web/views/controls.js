// Faults and time: the IdP's scenarios, the sandbox clock, the signing keys and the stub models' faults, each through its service's own endpoint.
import { html } from '/vendor/lit-html/lit-html.js';

import { sendJson } from '../api.js';

export function controlsView(state, actions) {
  const controls = state.controls;
  if (!controls) return html`<p>Reading the scenarios, the clock and the keys…</p>`;
  const change = async (method, path, body) => {
    const answer = await sendJson(method, path, body);
    actions.announce(`${answer.call ?? `${method} ${path}`}${answer.ok ? '' : ` — ${answer.body?.error_description ?? answer.body?.message ?? answer.message ?? 'refused'}`}`);
    await actions.reloadAll();
  };
  const number = (form, name) => {
    const value = new FormData(form).get(name);
    return value === null || value === '' ? undefined : Number(value);
  };
  const active = controls.scenarios?.active;
  return html`<div class="controls">
    <form @submit=${(e) => {
      e.preventDefault();
      const name = new FormData(e.target).get('scenario');
      void change('PUT', '/api/scenario', { name, for_seconds: number(e.target, 'for') });
    }}>
      <h3>Scenario</h3>
      <p>${active ? html`In force: <strong>${active.name}</strong>${active.until ? ` until ${active.until}` : ' until switched off'}.` : 'None in force.'}</p>
      <label for="scenario">Scenario</label>
      <select id="scenario" name="scenario">
        ${(controls.scenarios?.scenarios ?? []).map((s) => html`<option value=${s.name}>${s.name}: ${s.description}</option>`)}
      </select>
      <label for="scenario-for">For (seconds; empty: until switched off)</label>
      <input id="scenario-for" name="for" type="number" min="1" step="1">
      <button type="submit">Switch on</button>
      <button type="button" ?disabled=${!active} @click=${() => change('DELETE', '/api/scenario')}>Switch off</button>
      ${active ? html`<p class="help">At DIAL Core: ${controls.atCore[active.name]}</p>` : ''}
    </form>

    <form @submit=${(e) => {
      e.preventDefault();
      void change('PUT', '/api/clock', { advance_seconds: number(e.target, 'advance') });
    }}>
      <h3>Sandbox clock</h3>
      <p>${controls.clock?.now}${controls.clock?.frozen ? ' (frozen)' : ''}; tokens' iat and exp, Core's expiry checks, JWK cache lifetimes and limit windows all read it.</p>
      <label for="clock-advance">Move by (seconds; negative goes back)</label>
      <input id="clock-advance" name="advance" type="number" step="1" required>
      <button type="submit">Move</button>
      <button type="button" @click=${() => change('PUT', '/api/clock', { freeze: !controls.clock?.frozen })}>${controls.clock?.frozen ? 'Resume' : 'Freeze'}</button>
      <button type="button" @click=${() => change('DELETE', '/api/clock')}>Back to the system clock</button>
    </form>

    <div class="keys">
      <h3>Signing keys</h3>
      <p class="help">What the JWKS publishes. Core keeps a fetched key for its cache lifetime, and a kid it failed to fetch refused for a while.</p>
      <ul>${controls.keys.map((k) => html`<li><code>${k.kid}</code> ${k.role}${k.role === 'previous' ? html` <button type="button" aria-label="Revoke ${k.kid}" @click=${() => change('PUT', `/api/keys/${encodeURIComponent(k.kid)}/revoke`)}>Revoke</button>` : ''}</li>`)}</ul>
      <button type="button" @click=${() => change('POST', '/api/keys/rotate')}>Rotate: next becomes current</button>
    </div>

    <form @submit=${(e) => {
      e.preventDefault();
      const data = new FormData(e.target);
      const fault = Object.fromEntries(['status', 'latencyMs', 'chunkDelayMs', 'times'].map((n) => [n, number(e.target, n)]).filter(([, v]) => v !== undefined));
      void change('PUT', `/api/models/${encodeURIComponent(data.get('model'))}/fault`, fault);
    }}>
      <h3>Stub model faults</h3>
      <label for="fault-model">Model</label>
      <select id="fault-model" name="model">${controls.models.map((m) => html`<option value=${m}>${m}</option>`)}</select>
      <label for="fault-status">Answer with status</label><input id="fault-status" name="status" type="number" min="400" max="599">
      <label for="fault-latency">Latency before answering (ms)</label><input id="fault-latency" name="latencyMs" type="number" min="0">
      <label for="fault-chunk">Delay between streamed chunks (ms)</label><input id="fault-chunk" name="chunkDelayMs" type="number" min="0">
      <label for="fault-times">For this many requests</label><input id="fault-times" name="times" type="number" min="1">
      <button type="submit">Set the fault</button>
      <button type="button" @click=${(e) => change('DELETE', `/api/models/${encodeURIComponent(e.target.form.elements.model.value)}/fault`)}>Clear it</button>
    </form>
  </div>`;
}
