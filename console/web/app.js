// The console's page: one state, drawn with lit-html on each change (at most once a frame), a view per hash.
import { html, render } from '/vendor/lit-html/lit-html.js';

import { getJson } from './api.js';
import { controlsView } from './views/controls.js';
import { matrixView } from './views/matrix.js';
import { storageView } from './views/storage.js';
import { timelineView, TIMELINE_KEPT } from './views/timeline.js';
import { tokensView } from './views/tokens.js';
import { tryView } from './views/try.js';
import { usersView } from './views/users.js';

const VIEWS = [
  { id: 'matrix', title: 'Access', view: matrixView },
  { id: 'users', title: 'Users and roles', view: usersView },
  { id: 'tokens', title: 'Tokens', view: tokensView },
  { id: 'timeline', title: 'Timeline', view: timelineView },
  { id: 'controls', title: 'Faults and time', view: controlsView },
  { id: 'try', title: 'Try it', view: tryView },
  { id: 'storage', title: 'Storage', view: storageView },
];

const state = {
  view: 'matrix',
  matrix: undefined,
  directory: undefined,
  tokens: undefined,
  controls: undefined,
  events: [],
  matrixFilter: '',
  timeline: { user: '', outcome: '', source: '', paused: false },
  status: '',
};

/** Counters the tests and the bench read: events received and drawn, updates of "try it"'s answer. */
const stats = { received: 0, shown: 0, dropped: 0, missed: 0, tryUpdates: 0 };
window.consoleStats = stats;

let drawing = false;
function update(patch = {}) {
  Object.assign(state, patch);
  if (drawing) return;
  drawing = true;
  requestAnimationFrame(() => {
    drawing = false;
    draw();
  });
}

/** Says what an action did, to screen readers too (the status region is aria-live). */
function announce(text) {
  update({ status: text });
}

const root = document.getElementById('app');
let firstDraw = true;

function draw() {
  // The page's "Loading" line goes at the first draw (lit-html would draw after it, not over it).
  if (firstDraw) root.replaceChildren();
  firstDraw = false;
  const current = VIEWS.find((v) => v.id === state.view) ?? VIEWS[0];
  render(
    html`<header>
        <h1>dial-sandbox console</h1>
        <p class="state">${clockWords(state.controls)}${scenarioWords(state.controls)}</p>
      </header>
      <nav aria-label="Views">
        <ul>
          ${VIEWS.map((v) => html`<li><a href="#${v.id}" aria-current=${v.id === current.id ? 'page' : 'false'}>${v.title}</a></li>`)}
        </ul>
      </nav>
      <main>
        <section aria-labelledby="view-title">
          <h2 id="view-title">${current.title}</h2>
          ${current.view(state, actions)}
        </section>
      </main>
      <p class="status" role="status" aria-live="polite">${state.status}</p>`,
    root,
  );
  if (state.view === 'timeline') stats.shown = stats.received;
  if (state.matrix && !document.documentElement.dataset.matrixDrawn && current.id === 'matrix') {
    performance.mark('matrix-drawn');
    document.documentElement.dataset.matrixDrawn = '1';
  }
}

function clockWords(controls) {
  const clock = controls?.clock;
  if (!clock?.now) return '';
  const ahead = clock.ahead_seconds ? ` · ${Math.abs(clock.ahead_seconds)} s ${clock.ahead_seconds > 0 ? 'ahead of' : 'behind'} the system clock` : '';
  return `sandbox clock ${clock.now}${clock.frozen ? ' (frozen)' : ''}${ahead}`;
}

function scenarioWords(controls) {
  const active = controls?.scenarios?.active;
  return active ? ` · scenario ${active.name} in force${active.until ? ` until ${active.until}` : ''}` : '';
}

/** Reads what a view shows into the state; a failure is said in the status line, never thrown away. */
const loader = (key, path, what, pick = (body) => body) => async () => {
  try {
    update({ [key]: pick(await getJson(typeof path === 'function' ? path() : path)) });
  } catch (error) {
    announce(`${what} could not be read: ${error.message}`);
  }
};

const actions = {
  update,
  announce,
  stats,
  // The matrix draws at most 100 users (MATRIX_ROWS); the filter reaches the others.
  loadMatrix: loader('matrix', () => `/api/matrix?filter=${encodeURIComponent(state.matrixFilter)}`, 'The matrix'),
  loadDirectory: loader('directory', '/api/directory', 'The directory'),
  loadTokens: loader('tokens', '/api/tokens', 'The tokens', (body) => body.tokens),
  loadControls: loader('controls', '/api/controls', 'The controls'),
  async reloadAll() {
    await Promise.all([actions.loadMatrix(), actions.loadDirectory(), actions.loadTokens(), actions.loadControls()]);
  },
};

function route() {
  const id = location.hash.slice(1);
  update({ view: VIEWS.some((v) => v.id === id) ? id : 'matrix' });
  if (callsUnread && SHOWS_CALLS.has(state.view)) readCalls();
}

/**
 * Calls move limits and held tokens, which the matrix (Access, Users and roles, Try it) and the tokens show:
 * they are read again at most every 300 ms while one of those views is open, and once on the way back to
 * one otherwise. (Read whatever the view, each answer redrew the timeline too, outside its pace below.)
 */
const SHOWS_CALLS = new Set(['matrix', 'users', 'tokens', 'try']);
let callsSoon;
let callsUnread = false;
function refreshSoon() {
  if (!SHOWS_CALLS.has(state.view)) {
    callsUnread = true;
    return;
  }
  callsSoon ??= setTimeout(readCalls, 300);
}

function readCalls() {
  clearTimeout(callsSoon);
  callsSoon = undefined;
  callsUnread = false;
  void actions.loadMatrix();
  void actions.loadTokens();
}

/**
 * New events draw the timeline at most twice a second. Each draw makes a row for every new event (up to the
 * 300 drawn), and a row costs the main thread its template, layout, style and paint: at 1,000 events/s,
 * drawn with each of the feed's batches (10 a second), the page was ~40% busy, for rows that scroll by faster
 * than anyone reads them. Paced so, it makes at most 600 rows a second whatever the sandbox's rate
 * (`npm run bench`'s console tables). A lone event still shows within a frame.
 */
const TIMELINE_DRAW_MS = 500;
let timelineDrawnAt = -Infinity;
let timelineSoon;
function drawTimelineSoon() {
  if (timelineSoon) return;
  timelineSoon = setTimeout(() => {
    timelineSoon = undefined;
    timelineDrawnAt = performance.now();
    update();
  }, Math.max(0, timelineDrawnAt + TIMELINE_DRAW_MS - performance.now()));
}

/** The timeline, and the changes that redraw the other views, as Server-Sent Events (EventSource reconnects by itself). */
function listen() {
  const source = new EventSource('/api/events');
  const take = (events) => {
    stats.received += events.length;
    const kept = state.events.concat(events);
    state.events = kept.length > TIMELINE_KEPT ? kept.slice(-TIMELINE_KEPT) : kept;
    if (events.some((e) => e.source !== 'models')) refreshSoon();
    if (state.view === 'timeline' && !state.timeline.paused) drawTimelineSoon();
  };
  source.addEventListener('backlog', (e) => {
    state.events = [];
    take(JSON.parse(e.data).events);
  });
  source.addEventListener('events', (e) => {
    const batch = JSON.parse(e.data);
    stats.dropped += batch.dropped;
    take(batch.events);
  });
  source.addEventListener('missed', (e) => {
    stats.missed += JSON.parse(e.data).events;
  });
  source.addEventListener('changed', () => void actions.reloadAll());
}

window.addEventListener('hashchange', route);
route();
listen();
void actions.reloadAll();
