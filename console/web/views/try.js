// Try it: a prompt through mock-core as a user or an API key; the answer streams in, then the headers Core added.
import { html } from '/vendor/lit-html/lit-html.js';

import { streamLines } from '../api.js';

const run = { lines: [], text: '', busy: false };

export function tryView(state, actions) {
  const matrix = state.matrix;
  if (!matrix) return html`<p>Reading Core's deployments…</p>`;
  const callers = matrix.rows;
  const deployments = matrix.columns.filter((c) => c.kind !== 'route');
  const send = async (event) => {
    event.preventDefault();
    const data = new FormData(event.target);
    const caller = String(data.get('caller'));
    const [kind, id] = [caller.slice(0, caller.indexOf(':')), caller.slice(caller.indexOf(':') + 1)];
    const body = { deployment: data.get('deployment'), prompt: data.get('prompt'), ...(kind === 'key' ? { key: id } : { user: id }) };
    Object.assign(run, { lines: [], text: '', busy: true });
    actions.update();
    await streamLines('/api/try', body, (line) => {
      run.lines.push(line);
      if (line.kind === 'delta') {
        run.text += line.text;
        actions.stats.tryUpdates++;
      }
      actions.update();
    });
    run.busy = false;
    actions.update();
  };
  const answer = run.lines.find((l) => l.kind === 'answer');
  const errors = run.lines.filter((l) => l.kind === 'error');
  const forwarded = run.lines.find((l) => l.kind === 'forwarded');
  const login = run.lines.find((l) => l.kind === 'login');
  return html`<form class="try" @submit=${send}>
      <label for="try-caller">Caller</label>
      <select id="try-caller" name="caller">
        ${callers.map((r) => html`<option value=${r.kind === 'key' ? `key:${r.id}` : `user:${r.label}`}>${r.kind === 'key' ? `API key ${r.label} (${r.project})` : r.label}</option>`)}
      </select>
      <label for="try-deployment">Deployment</label>
      <select id="try-deployment" name="deployment">${deployments.map((d) => html`<option value=${d.name}>${d.name}</option>`)}</select>
      <label for="try-prompt">Prompt</label>
      <textarea id="try-prompt" name="prompt" rows="3" required></textarea>
      <button type="submit" ?disabled=${run.busy}>${run.busy ? 'Sending…' : 'Send'}</button>
    </form>
    ${login ? html`<p class="help">Credentials: ${login.how}</p>` : ''}
    ${answer ? html`<p>Core answered <strong>${answer.status}</strong>.</p>` : ''}
    <h3>Answer</h3>
    <output id="try-answer" class="answer" aria-live="polite">${run.text}</output>
    ${errors.map((e) => html`<div class="denied" role="alert"><p>${e.stage === 'login' ? 'The login was refused' : 'Core refused'}: ${e.status} ${typeof e.body === 'string' ? e.body : JSON.stringify(e.body)}</p>
      ${e.reason ? html`<p>Core's words: ${e.reason}</p>` : ''}${e.cause ? html`<p>cause: ${e.cause}</p>` : ''}${e.rule ? html`<p>rule: ${e.rule}</p>` : ''}</div>`)}
    ${forwarded
      ? html`<h3>What Core added on the way to the model</h3>
          ${forwarded.missing ? html`<p>${forwarded.missing}</p>` : html`<dl class="added">${Object.entries(forwarded.added).map(([k, v]) => html`<dt>${k}</dt><dd><code>${v}</code></dd>`)}</dl>`}`
      : ''}
    ${answer ? html`<details><summary>Core's answer headers</summary><dl>${Object.entries(answer.headers).map(([k, v]) => html`<dt>${k}</dt><dd><code>${v}</code></dd>`)}</dl></details>` : ''}`;
}
