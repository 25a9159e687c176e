// Who may call what: callers × deployments, each cell decided by mock-core's own rule.
import { html } from '/vendor/lit-html/lit-html.js';

import { cellContent, rolesWords, timeOf, verdictWord } from './cells.js';

export function matrixView(state, actions) {
  const matrix = state.matrix;
  if (!matrix) return html`<p>Reading Core's config and minting each user's next login…</p>`;
  if (!matrix.columns.length) return html`<p>Core's config has no deployments.</p>`;
  return html`<p class="help">Each cell is what Core answers the caller now: the deployment's <code>userRoles</code> against the roles Core reads at
      <code>rolePath</code> in a token the user's next login would carry (the Post-Login Actions run), then the limits. Where the token the user
      holds reads otherwise, the cell says both.</p>
    <form class="filters" @submit=${(event) => {
      event.preventDefault();
      state.matrixFilter = String(new FormData(event.target).get('filter'));
      void actions.loadMatrix();
    }}>
      <label for="matrix-filter">Callers whose email or API key has</label>
      <input id="matrix-filter" name="filter" type="search" .value=${state.matrixFilter}>
      <button type="submit">Filter</button>
    </form>
    <div class="scroll">
      <table class="matrix">
        <caption>Callers (rows) × deployments (columns), as of ${matrix.now}</caption>
        <thead>
          <tr>
            <th scope="col">caller</th>
            ${matrix.columns.map((c) => html`<th scope="col"><span class="name">${c.name}</span><span class="kind">${c.kind}</span><span class="roles">${userRolesWords(c.userRoles)}</span></th>`)}
          </tr>
        </thead>
        <tbody>
          ${matrix.rows.map((row) => rowView(row, matrix.columns))}
        </tbody>
      </table>
    </div>
    ${matrix.more ? html`<p>${matrix.more} more users match and are not shown: filter to see them.</p>` : ''}`;
}

const userRolesWords = (userRoles) => (userRoles === undefined ? 'no userRoles: everyone' : userRoles.length ? `userRoles ${userRoles.join(', ')}` : 'userRoles []: nobody');

function rowView(row, columns) {
  if (row.kind === 'key') {
    return html`<tr data-caller=${row.label}>
      <th scope="row">API key ${row.label}<span class="sub">project ${row.project}, roles ${JSON.stringify(row.next.reading.roles)} (the key's own)</span></th>
      ${row.next.cells.map((cell) => cellView(cell))}
    </tr>`;
  }
  if ('refused' in row.next) {
    return html`<tr data-caller=${row.label}><th scope="row">${row.label}</th><td colspan=${columns.length} class="denied">${row.next.refused}</td></tr>`;
  }
  return html`<tr data-caller=${row.label}>
    <th scope="row">${row.label}<span class="sub">${rolesWords(row.next.reading)}</span>${heldWords(row.held)}</th>
    ${row.next.cells.map((cell, i) => cellView(cell, row.held?.cells?.[i], row.held))}
  </tr>`;
}

function heldWords(held) {
  if (held === undefined) return html`<span class="sub">no token seen from the IdP yet</span>`;
  return html`<span class="sub">holds a token from ${timeOf(held.issuedAt)}${held.expired ? ' (expired)' : ''}</span>`;
}

function cellView(next, heldCell, held) {
  const word = verdictWord(next);
  const differs = heldCell && held && !held.expired && heldCell.allowed !== next.allowed;
  const verdict = differs ? `held token (${timeOf(held.issuedAt)}): ${verdictWord(heldCell)} · next login: ${word}` : word;
  return html`<td class=${word} data-deployment=${next.deployment} data-verdict=${word}>
    <span class="verdict"><span aria-hidden="true">${next.allowed ? '✓' : '✗'}</span> ${verdict}</span>
    ${cellContent(next)}
  </td>`;
}
