// Users and roles, changed through the sandbox's own Management API, with what each change does.
import { html } from '/vendor/lit-html/lit-html.js';

import { sendJson } from '../api.js';
import { timeOf } from './cells.js';

export function usersView(state, actions) {
  const directory = state.directory;
  if (!directory) return html`<p>Reading the directory…</p>`;
  const readOnly = directory.management.readOnly;
  const rows = new Map((state.matrix?.rows ?? []).filter((r) => r.kind === 'user').map((r) => [r.id, r]));
  return html`<p class="help">Changes go through the Management API (<code>/api/v2</code>) with the console's own client-credentials token
      ${readOnly ? '' : html`(application <code>${directory.management.client_id}</code>)`}. A role change reaches a token only at the user's next
      login; the token already held keeps what it carries until it expires.</p>
    ${readOnly ? html`<p class="warning" role="note">${readOnly}</p>` : ''}
    <table class="users">
      <caption>The directory in force (tenant.yaml, then the Management API's changes)</caption>
      <thead><tr><th scope="col">user</th><th scope="col">assigned roles</th><th scope="col">what the tokens carry</th>${readOnly ? '' : html`<th scope="col">change</th>`}</tr></thead>
      <tbody>${directory.users.map((user) => userRow(user, directory.roles, rows.get(user.user_id), readOnly, actions))}</tbody>
    </table>
    ${readOnly ? '' : createForm(actions)}`;
}

function userRow(user, roles, row, readOnly, actions) {
  const unassigned = roles.filter((r) => !user.roles.includes(r.name));
  const selectId = `assign-${user.user_id}`;
  return html`<tr data-user=${user.email}>
    <th scope="row">${user.email}<span class="sub">${user.user_id}</span></th>
    <td>${user.roles.length ? user.roles.map((name) => html`<span class="role">${name}${readOnly ? '' : html` <button type="button" class="small" aria-label="Remove ${name} from ${user.email}" @click=${() => removeRole(user, roles, name, actions)}>remove</button>`}</span> `) : 'none'}</td>
    <td>${carried(row)}</td>
    ${readOnly
      ? ''
      : html`<td>
          ${unassigned.length
            ? html`<label for=${selectId}>Role for ${user.email}</label>
                <select id=${selectId}>${unassigned.map((r) => html`<option value=${r.id}>${r.name}</option>`)}</select>
                <button type="button" @click=${(e) => assignRole(user, e.target.previousElementSibling.value, roles, actions)}>Assign</button>`
            : ''}
          <button type="button" class="danger" aria-label="Delete ${user.email}" @click=${() => deleteUser(user, actions)}>Delete</button>
        </td>`}
  </tr>`;
}

function carried(row) {
  if (!row) return '';
  if ('refused' in row.next) return row.next.refused;
  const next = html`next login carries ${JSON.stringify(row.next.reading.roles)}`;
  if (!row.held) return html`${next}; no token held yet`;
  return html`${next}; the token held (${timeOf(row.held.issuedAt)}${row.held.expired ? ', expired' : ''}) carries ${JSON.stringify(row.held.reading.roles)}`;
}

async function change(actions, promise) {
  const answer = await promise;
  actions.announce(`${answer.call ?? ''}${answer.ok ? '' : ` — ${answer.body?.message ?? answer.message ?? 'refused'}`}`);
  await Promise.all([actions.loadDirectory(), actions.loadMatrix()]);
}

const assignRole = (user, roleId, roles, actions) => change(actions, sendJson('POST', `/api/users/${encodeURIComponent(user.user_id)}/roles`, { roles: [roleId] }));

function removeRole(user, roles, name, actions) {
  const role = roles.find((r) => r.name === name);
  return change(actions, sendJson('DELETE', `/api/users/${encodeURIComponent(user.user_id)}/roles`, { roles: [role?.id] }));
}

const deleteUser = (user, actions) => change(actions, sendJson('DELETE', `/api/users/${encodeURIComponent(user.user_id)}`));

function createForm(actions) {
  const submit = (event) => {
    event.preventDefault();
    const form = event.target;
    const body = Object.fromEntries(new FormData(form));
    void change(actions, sendJson('POST', '/api/users', body)).then(() => form.reset());
  };
  return html`<form class="create" @submit=${submit}>
    <h3>New user</h3>
    <label for="new-email">Email</label><input id="new-email" name="email" type="email" required>
    <label for="new-password">Password</label><input id="new-password" name="password" type="text" required>
    <label for="new-name">Name</label><input id="new-name" name="name" type="text">
    <button type="submit">Create</button>
  </form>`;
}
