// @ts-check
/**
 * The process one Action runs in (action-runner.ts starts it). It is Node itself, as Auth0 runs Actions, under
 * Node's permission model: the file system can be read only in this file and the environment's
 * node_modules folder and not written at all; no child processes, workers, addons, inspector or WASI. The
 * network is open, as in Auth0. `process.kill` is taken away before the Action's code loads, so it cannot
 * signal the sandbox (or anything else); exiting or crashing ends only this process.
 *
 * Plain JavaScript on purpose: it must start the same way under tsx, vitest and a plain `node` in a
 * container, with no loader.
 *
 * Messages: the parent sends `{ action }` once, then `{ id, event }` per login, one at a time; this process
 * answers each with `{ id, ok, calls, logs, error? }`. The Action's module is loaded at the first login and
 * kept, as Auth0 keeps a warm container (module-level state persists between logins).
 */
'use strict';

const { createRequire, isBuiltin } = require('node:module');
const path = require('node:path');
const vm = require('node:vm');

if (typeof process.send !== 'function') throw new Error('action-host.js runs as a child process of the sandbox');
const send = process.send.bind(process);

// Before any Action code: no signals to other processes (the permission model does not cover them).
const refuseSignals = () => {
  throw new Error('process.kill: the sandbox runs Actions without access to other processes');
};
process.kill = refuseSignals;
Object.defineProperty(process, '_kill', { value: refuseSignals, writable: false, configurable: false });

/** @type {{ name: string, file: string, code: string, modulesDir?: string, dependencies: string[] } | undefined} */
let action;
/** @type {((event: object, api: object) => unknown) | undefined} */
let handler;
/** @type {{ calls: { method: string, args: unknown[] }[], logs: string[] }} */
let record = { calls: [], logs: [] };

const format = (/** @type {unknown[]} */ args) => args.map((a) => {
  if (typeof a === 'string') return a;
  if (a instanceof Error) return a.stack || String(a);
  try {
    return JSON.stringify(a);
  } catch {
    return String(a);
  }
}).join(' ');
for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
  // @ts-ignore: the Action's console is this job's record
  console[level] = (...args) => void record.logs.push((level === 'log' ? '' : `${level}: `) + format(args));
}

const cache = new Map();
/** @type {Record<string, any>} */
const api = {};
const call = (/** @type {string} */ method) => (/** @type {unknown[]} */ ...args) => {
  record.calls.push({ method, args: JSON.parse(JSON.stringify(args) ?? '[]') });
  return api;
};
Object.assign(api, {
  access: { deny: call('access.deny') },
  accessToken: { setCustomClaim: call('accessToken.setCustomClaim'), addScope: call('accessToken.addScope'), removeScope: call('accessToken.removeScope') },
  idToken: { setCustomClaim: call('idToken.setCustomClaim') },
  user: { setAppMetadata: call('user.setAppMetadata'), setUserMetadata: call('user.setUserMetadata') },
  multifactor: { enable: call('multifactor.enable') },
  transaction: { setMetadata: call('transaction.setMetadata') },
  cache: {
    get: (/** @type {string} */ key) => (cache.has(key) ? { value: cache.get(key) } : undefined),
    set: (/** @type {string} */ key, /** @type {unknown} */ value) => (cache.set(key, value), { type: 'success' }),
    delete: (/** @type {string} */ key) => (cache.delete(key), { type: 'success' }),
  },
});

/** `require` as Auth0 offers it: Node's built-ins, and the npm modules the Action declares. */
function actionRequire(/** @type {string} */ name) {
  if (isBuiltin(name)) return require(name);
  const declared = action?.dependencies ?? [];
  const packageName = name.startsWith('@') ? name.split('/').slice(0, 2).join('/') : name.split('/')[0];
  if (!declared.includes(String(packageName)) || !action?.modulesDir) {
    const error = new Error(`Cannot find module '${name}': an Action can require only Node's built-in modules and the npm modules listed in its \`dependencies\` in tenant.yaml (declared: ${declared.join(', ') || 'none'})`);
    Object.assign(error, { code: 'MODULE_NOT_FOUND' });
    throw error;
  }
  return createRequire(path.join(action.modulesDir, '.action.js'))(name);
}

/** The Action's exported handler; a load that throws is not kept, so the next login tries again. */
function loadHandler() {
  if (handler) return handler;
  if (!action) throw new Error('no Action was handed to this process');
  const module = { exports: /** @type {Record<string, unknown>} */ ({}) };
  // The same parameters as action-syntax.ts checks the code with when the tenant is loaded: keep them in step.
  const wrapper = vm.compileFunction(action.code, ['exports', 'require', 'module', '__filename', '__dirname'], { filename: action.file });
  wrapper(module.exports, actionRequire, module, action.file, path.dirname(action.file));
  const exported = module.exports.onExecutePostLogin;
  if (typeof exported !== 'function') throw new Error('the Action does not export onExecutePostLogin');
  handler = /** @type {(event: object, api: object) => unknown} */ (exported);
  return handler;
}

process.on('message', async (/** @type {any} */ message) => {
  if (message.action) {
    action = message.action;
    return;
  }
  record = { calls: [], logs: [] };
  const answer = (/** @type {object} */ outcome) => send({ id: message.id, calls: record.calls, logs: record.logs, ...outcome });
  try {
    await loadHandler()(message.event, api);
    answer({ ok: true });
  } catch (error) {
    const e = /** @type {{ message?: unknown, stack?: unknown }} */ (error ?? {});
    answer({ ok: false, error: { message: String(e.message ?? error), stack: String(e.stack ?? '') } });
  }
});

// The sandbox gone (even by kill -9): nothing is left to answer to, whatever timers the Action left running.
process.on('disconnect', () => process.exit(0));

// A promise the Action left behind that fails later belongs to no login: logged, not fatal to the process.
process.on('unhandledRejection', (reason) => void record.logs.push(`error: unhandled rejection: ${format([reason])}`));

send({ ready: true });
