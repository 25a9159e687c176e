// @ts-check
/**
 * Runs Post-Login Actions, one job at a time, inside a worker thread that the main thread terminates when a
 * flow exceeds its time limit (so even `while (true) {}` after an `await` ends).
 *
 * Plain JavaScript on purpose: Node starts a worker from a file, and this file must load the same way under
 * tsx, vitest and a plain `node` in a container, none of which share a TypeScript loader with workers.
 *
 * Each Action has a V8 context of its own. Everything it can touch (`event`, `api`, `console`, timers) is
 * built inside that context from JSON, so no object of this realm (and so no `process`, `require` or
 * `fetch`) leaks into it. The context is kept from one login to the next, as Auth0 keeps an Action's warm
 * container (module-level state may persist), until its worker is replaced. This is a fence against
 * accidents, not a security boundary: run only code you trust.
 */
import { parentPort } from 'node:worker_threads';
import vm from 'node:vm';

if (!parentPort) throw new Error('action-worker.js must run as a worker thread');
const port = parentPort;

// Built in the Action's own realm. `host` functions are only reachable through these closures.
const REALM = `(function (host) {
  let record = { calls: [], logs: [] };
  const format = (args) => args.map((a) => {
    if (typeof a === 'string') return a;
    if (a instanceof Error) return a.stack || String(a);
    try { return JSON.stringify(a); } catch { return String(a); }
  }).join(' ');
  const log = (level) => (...args) => { record.logs.push((level === 'log' ? '' : level + ': ') + format(args)); };
  globalThis.console = { log: log('log'), info: log('info'), warn: log('warn'), error: log('error'), debug: log('debug') };

  const timers = new Map();
  let nextTimer = 1;
  globalThis.setTimeout = (fn, ms, ...args) => {
    const id = nextTimer++;
    timers.set(id, host.setTimeout(() => { timers.delete(id); fn(...args); }, ms));
    return id;
  };
  globalThis.clearTimeout = (id) => { host.clearTimeout(timers.get(id)); timers.delete(id); };
  globalThis.fetch = async (url) => {
    throw new Error('fetch(' + JSON.stringify(String(url)) + '): the sandbox runs Actions without network access');
  };
  globalThis.require = (name) => {
    throw new Error('require(' + JSON.stringify(String(name)) + '): the sandbox runs Actions without modules or dependencies');
  };
  globalThis.module = { exports: {} };
  globalThis.exports = globalThis.module.exports;

  const cache = new Map();
  const api = {};
  const call = (method) => (...args) => { record.calls.push({ method, args: JSON.parse(JSON.stringify(args)) }); return api; };
  Object.assign(api, {
    access: { deny: call('access.deny') },
    accessToken: {
      setCustomClaim: call('accessToken.setCustomClaim'),
      addScope: call('accessToken.addScope'),
      removeScope: call('accessToken.removeScope'),
    },
    idToken: { setCustomClaim: call('idToken.setCustomClaim') },
    user: { setAppMetadata: call('user.setAppMetadata'), setUserMetadata: call('user.setUserMetadata') },
    multifactor: { enable: call('multifactor.enable') },
    transaction: { setMetadata: call('transaction.setMetadata') },
    cache: {
      get: (key) => (cache.has(key) ? { value: cache.get(key) } : undefined),
      set: (key, value) => { cache.set(key, value); return { type: 'success' }; },
      delete: (key) => { cache.delete(key); return { type: 'success' }; },
    },
  });

  return {
    run: async (eventJson) => {
      record = { calls: [], logs: [] };
      // Parsed here, in the Action's realm: a plain JSON parse, so no key (not even __proto__) is code.
      const event = JSON.parse(eventJson);
      const handler = globalThis.module.exports.onExecutePostLogin ?? globalThis.exports.onExecutePostLogin;
      if (typeof handler !== 'function') throw new Error('the Action does not export onExecutePostLogin');
      await handler(event, api);
    },
    snapshot: () => JSON.stringify(record),
  };
})`;

const realmScript = new vm.Script(REALM, { filename: 'sandbox-realm.js' });
/** Warm Actions: name + code → the realm their code was loaded into. @type {Map<string, any>} */
const warm = new Map();

/** The Action's realm, loaded once (a load that throws is not kept, so it is retried next time). */
function realmOf(/** @type {string} */ name, /** @type {string} */ code) {
  const key = `${name}\u0000${code}`;
  let realm = warm.get(key);
  if (!realm) {
    const context = vm.createContext({}, { name, codeGeneration: { strings: false, wasm: false } });
    const hostTimers = { setTimeout: (/** @type {() => void} */ fn, /** @type {number} */ ms) => setTimeout(fn, ms), clearTimeout };
    realm = realmScript.runInContext(context)(hostTimers);
    new vm.Script(code, { filename: name }).runInContext(context);
    warm.set(key, realm);
  }
  return realm;
}

port.on('message', async (job) => {
  port.postMessage(await runAction(job));
});

/** @param {{ name: string, code: string, event: string }} job */
async function runAction({ name, code, event }) {
  let realm;
  try {
    realm = realmOf(name, code);
    await realm.run(event);
    return { ok: true, ...JSON.parse(realm.snapshot()) };
  } catch (error) {
    const e = /** @type {{ message?: unknown, stack?: unknown }} */ (error ?? {});
    const error_ = { message: String(e.message ?? error), stack: String(e.stack ?? '') };
    return { ok: false, error: error_, ...(realm ? JSON.parse(realm.snapshot()) : { calls: [], logs: [] }) };
  }
}
