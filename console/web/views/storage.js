// A user's storage as Core answers that user: their bucket, conversations, prompts, files and shares.
import { html } from '/vendor/lit-html/lit-html.js';

import { getJson } from '../api.js';

let shown;

export function storageView(state, actions) {
  const users = state.directory?.users ?? [];
  const load = async (event) => {
    event.preventDefault();
    const user = new FormData(event.target).get('user');
    try {
      shown = await getJson(`/api/storage?user=${encodeURIComponent(user)}`);
    } catch (error) {
      shown = { user, refused: error.message };
    }
    actions.update();
  };
  return html`<p class="help">Read through mock-core's storage API with a token the user's login would carry, so this is what DIAL Chat
      would be shown for them.</p>
    <form class="filters" @submit=${load}>
      <label for="storage-user">User</label>
      <select id="storage-user" name="user">${users.map((u) => html`<option value=${u.email}>${u.email}</option>`)}</select>
      <button type="submit">Show their storage</button>
    </form>
    ${shown ? storageOf(shown) : ''}`;
}

function storageOf(storage) {
  if (storage.refused) return html`<p class="denied" role="alert">${storage.user}: ${storage.refused}</p>`;
  const list = (title, items) => html`<h3>${title} (${items.length})</h3>
    ${items.length ? html`<ul class="storage">${items.map((i) => html`<li><code>${i.url}</code></li>`)}</ul>` : html`<p>none</p>`}`;
  return html`<div class="storage-of" aria-label="Storage of ${storage.user}">
    <p>Bucket <code>${storage.bucket}</code> of ${storage.user}</p>
    ${list('Conversations', storage.conversations)}
    ${list('Prompts', storage.prompts)}
    ${list('Files', storage.files)}
    ${list('Shared by them', storage.sharedByMe)}
    ${list('Shared with them', storage.sharedWithMe)}
  </div>`;
}
