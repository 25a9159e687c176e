// How a verdict reads: the word first (never colour alone), then the rule that decided it.
import { html } from '/vendor/lit-html/lit-html.js';

export const verdictWord = (cell) => (cell.allowed ? 'allowed' : cell.status === 429 ? 'limited' : 'denied');

export function timeOf(iso) {
  return iso ? iso.slice(11, 19) : '';
}

export function cellContent(cell) {
  return html`<span class="rule">${cell.rule}</span>
    ${cell.refusal ? html`<span class="refusal">Core: ${cell.status} ${cell.refusal}</span>` : ''}
    ${cell.limits?.length
      ? html`<details><summary>limits</summary><ul>${cell.limits.map((l) => html`<li>${l.window}: ${l.used} of ${l.total} used, ${Math.max(0, l.total - l.used)} left</li>`)}</ul></details>`
      : ''}`;
}

export const rolesWords = (reading) => (reading.refused ? `Core: ${reading.refused}` : `roles ${JSON.stringify(reading.roles)} at ${reading.rolePath.join(', ')}`);
