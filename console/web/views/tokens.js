// Tokens: the ones the IdP issued lately, and any pasted one, read as Core reads them.
import { html } from '/vendor/lit-html/lit-html.js';

import { sendJson } from '../api.js';
import { cellContent, rolesWords, timeOf, verdictWord } from './cells.js';

let inspection;

export function tokensView(state, actions) {
  const inspect = async (event) => {
    event.preventDefault();
    const token = new FormData(event.target).get('token');
    const answer = await sendJson('POST', '/api/tokens/inspect', { token });
    inspection = answer.ok ? answer : { error: answer.message };
    actions.update();
  };
  return html`<form class="inspect" @submit=${inspect}>
      <label for="pasted">A token to read (bare, <code>Bearer …</code> or a whole <code>Authorization:</code> line)</label>
      <textarea id="pasted" name="token" rows="4" required spellcheck="false"></textarea>
      <button type="submit">Read it as Core would</button>
    </form>
    ${inspection ? inspectionView(inspection) : ''}
    <h3>Issued lately by the IdP</h3>
    ${tokenList(state.tokens)}`;
}

function inspectionView(result) {
  if (result.error) return html`<p class="denied" role="alert">${result.error}</p>`;
  return html`<div class="inspection" aria-label="The token, read">
    <p class="core-verdict ${result.core.accepted ? 'allowed' : 'denied'}"><strong>Core:</strong> ${result.core.words}</p>
    ${result.expiry ? html`<p class="expiry ${result.expired ? 'denied' : ''}">${result.expiry}</p>` : ''}
    <ol class="steps">${result.steps.map((s) => html`<li class=${s.ok ? 'allowed' : 'denied'}><strong>${s.step}</strong> ${s.ok ? 'ok' : 'fails'}: ${s.words}</li>`)}</ol>
    ${result.verdicts ? verdictList(result.verdicts, result.core.accepted ? 'per deployment' : 'per deployment, had Core accepted it') : ''}
    ${result.header ? html`<details><summary>header and claims</summary><pre>${JSON.stringify({ header: result.header, claims: result.claims }, null, 2)}</pre></details>` : ''}
  </div>`;
}

function verdictList(verdicts, title) {
  return html`<p>${rolesWords(verdicts.reading)}</p>
    <ul class="verdicts" aria-label=${title}>
      ${verdicts.cells.map((cell) => html`<li class=${verdictWord(cell)}><strong>${cell.deployment}</strong>: ${verdictWord(cell)} ${cellContent(cell)}</li>`)}
    </ul>`;
}

function tokenList(tokens) {
  if (!tokens) return html`<p>Reading the IdP's log…</p>`;
  if (!tokens.length) return html`<p>The IdP has issued no token since it started (or its log was cleared).</p>`;
  return html`<table class="tokens">
    <caption>The IdP's last token answers (it keeps 200), newest first; signatures are not kept</caption>
    <thead><tr><th scope="col">at</th><th scope="col">user / client</th><th scope="col">expiry</th><th scope="col">what Core reads</th></tr></thead>
    <tbody>
      ${tokens.map((t) => html`<tr>
        <td>${timeOf(t.at)}</td>
        <td>${t.user ?? t.client_id} <span class="sub">${t.grant_type}${t.console ? ` · ${t.console}` : ''}</span></td>
        <td>${t.expiry ?? ''}</td>
        <td>${t.opaque ?? (t.verdicts ? html`${rolesWords(t.verdicts.reading)}<span class="sub">${t.verdicts.cells.filter((c) => c.allowed).map((c) => c.deployment).join(', ') || 'no deployment'}</span>` : '')}</td>
      </tr>`)}
    </tbody>
  </table>`;
}
