// The three services' requests as they happen, newest first: the IdP's token answers, Core's calls and refusals, what the stub models received.
import { html } from '/vendor/lit-html/lit-html.js';
import { repeat } from '/vendor/lit-html/directives/repeat.js';

import { timeOf } from './cells.js';

/** Events the page keeps; rows drawn at most. */
export const TIMELINE_KEPT = 1000;
const DRAWN = 300;

const SOURCES = { idp: 'mock-idp', core: 'mock-core', models: 'models', console: 'console' };

export function timelineView(state, actions) {
  const filter = state.timeline;
  const users = [...new Set(state.events.map((e) => e.user).filter(Boolean))].sort();
  const shown = [];
  for (let i = state.events.length - 1; i >= 0 && shown.length < DRAWN; i--) {
    const e = state.events[i];
    if (filter.user && e.user !== filter.user) continue;
    if (filter.outcome && e.outcome !== filter.outcome) continue;
    if (filter.source && e.source !== filter.source) continue;
    shown.push(e);
  }
  const set = (name) => (event) => actions.update({ timeline: { ...filter, [name]: event.target.value } });
  const { stats } = actions;
  return html`<form class="filters" @submit=${(e) => e.preventDefault()}>
      <label for="filter-user">User</label>
      <select id="filter-user" @change=${set('user')}>
        <option value="">everyone</option>
        ${users.map((u) => html`<option value=${u} ?selected=${u === filter.user}>${u}</option>`)}
      </select>
      <label for="filter-outcome">Outcome</label>
      <select id="filter-outcome" @change=${set('outcome')}>
        ${['', 'ok', 'refused', 'limited', 'failed'].map((o) => html`<option value=${o} ?selected=${o === filter.outcome}>${o || 'any'}</option>`)}
      </select>
      <label for="filter-source">Service</label>
      <select id="filter-source" @change=${set('source')}>
        ${['', ...Object.keys(SOURCES)].map((s) => html`<option value=${s} ?selected=${s === filter.source}>${s ? SOURCES[s] : 'all'}</option>`)}
      </select>
      <button type="button" aria-pressed=${filter.paused ? 'true' : 'false'} @click=${() => actions.update({ timeline: { ...filter, paused: !filter.paused } })}>${filter.paused ? 'Resume' : 'Pause'}</button>
    </form>
    <p class="help">${stats.received} events received · ${stats.dropped} dropped by the sandbox under load${stats.missed ? ` · ${stats.missed} missed while this page was behind` : ''}${filter.user ? ' · the stub models name no user, so a user filter hides them' : ''}</p>
    <table class="timeline">
      <caption>Newest first, the last ${DRAWN} that match</caption>
      <thead><tr><th scope="col" class="at">time</th><th scope="col" class="source">service</th><th scope="col" class="outcome">outcome</th><th scope="col">request</th><th scope="col">why</th></tr></thead>
      <tbody>
        ${repeat(shown, (e) => e.id, (e) => html`<tr class=${e.outcome} data-source=${e.source} data-user=${e.user ?? ''}>
          <td class="at">${timeOf(e.at)}</td>
          <td class="source">${SOURCES[e.source]}</td>
          <td class="outcome">${e.status ?? ''} ${e.outcome}</td>
          <td>${e.title}${e.user ? html`<span class="sub">${e.user}</span>` : ''}</td>
          <td>${detailWords(e)}</td>
        </tr>`)}
      </tbody>
    </table>`;
}

function detailWords(e) {
  const d = e.detail ?? {};
  if (e.source === 'core') return html`${d.reason ?? ''}${d.cause ? html`<span class="cause">cause: ${d.cause}</span>` : ''}${d.rule ? html`<span class="sub">${d.rule}</span>` : ''}`;
  if (e.source === 'idp') return html`${d.error ?? ''}<span class="sub">${[d.client_id, d.audience, d.dial_roles && `dial_roles ${JSON.stringify(d.dial_roles)}`].filter(Boolean).join(' · ')}</span>`;
  if (e.source === 'models') return html`<span class="sub">${Object.entries(d.headers ?? {}).map(([k, v]) => `${k}: ${v}`).join(' · ')}</span>`;
  return html`<span class="sub">${d.call ?? ''}</span>`;
}
