/**
 * The sandbox as a whole beside oauth2-mock-server (the most used Node mock IdP), measured the same way in
 * the same run: cold start from process spawn to every service answering its health check, and token grants
 * per second at concurrency 32; then the sandbox's memory idle and after a soak, and the e2e suite's wall time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { CONTROL_TOKEN_ENV } from '../common/control-token.ts';
import { load } from './load.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CONCURRENCY = 32;

interface Running {
  process: ChildProcess;
  /** Health URLs of every service. */
  health: string[];
  idpUrl: string;
}

export interface RunningSandbox extends Running {
  coreUrl: string;
  /** The web console's page (loopback, plain HTTP). */
  consoleUrl: string;
  /** The sandbox CA, for a browser that trusts it. */
  caFile: string;
}

/**
 * Spawns `dial-sandbox up` on free ports (the console's too) and resolves once its summary names the
 * services. Without a control token whatever the environment says: the console's page then opens with no form.
 */
export function spawnSandbox(): Promise<RunningSandbox> {
  const child = spawn(process.execPath, ['bin/dial-sandbox.js', 'up', '--idp-http-port', '0', '--idp-https-port', '0', '--models-port', '0', '--core-port', '0', '--console-port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, [CONTROL_TOKEN_ENV]: undefined } });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      if (!out.includes('Ctrl-C stops.')) return;
      const idpUrl = /https\s+\S+\s+http (http:\/\/\S+)/.exec(out)![1]!;
      const modelsUrl = /mock-models[^\n]*\n\s+url\s+(http:\/\/\S+)/.exec(out)![1]!;
      const coreUrl = /mock-core[^\n]*\n\s+url\s+(http:\/\/\S+)/.exec(out)?.[1];
      const consoleUrl = /\nconsole [^\n]*\n\s+url\s+(http:\/\/\S+)/.exec(out)?.[1];
      // Shell-quoted in the summary: '…', each ' inside written '\''.
      const caFile = /NODE_EXTRA_CA_CERTS='((?:[^']|'\\'')*)'/.exec(out)![1]!.replaceAll("'\\''", "'");
      resolve({ process: child, idpUrl, coreUrl: coreUrl ?? '', consoleUrl: consoleUrl ?? '', caFile, health: [`${idpUrl}/healthz`, `${modelsUrl}/healthz`, ...(coreUrl ? [`${coreUrl}/health`] : [])] });
    });
    child.once('exit', (code) => reject(new Error(`dial-sandbox up exited with ${code}`)));
  });
}

/** Spawns oauth2-mock-server on a free port. */
export function spawnOauth2MockServer(): Promise<Running> {
  const child = spawn(process.execPath, [`${ROOT}node_modules/oauth2-mock-server/dist/oauth2-mock-server.mjs`, '-a', '127.0.0.1', '-p', '0'], { stdio: ['ignore', 'pipe', 'ignore'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      if (url) resolve({ process: child, idpUrl: url, health: [`${url}/.well-known/openid-configuration`] });
    });
    child.once('exit', (code) => reject(new Error(`oauth2-mock-server exited with ${code}`)));
  });
}

export async function healthy(urls: string[]): Promise<void> {
  for (const url of urls) {
    for (let i = 0; ; i++) {
      if (await fetch(url).then((r) => r.ok, () => false)) break;
      if (i > 2000) throw new Error(`${url} never answered`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

/** Milliseconds from spawn to every health check answering, from a cold start. */
export async function coldStart(start: () => Promise<Running>): Promise<number> {
  const began = performance.now();
  const running = await start();
  await healthy(running.health);
  const took = performance.now() - began;
  running.process.kill();
  await new Promise((r) => running.process.once('exit', r));
  return took;
}

/** Token grants per second at CONCURRENCY for `seconds`, from the same load generator as every other figure. */
export async function grantsPerSecond(url: string, form: Record<string, string>, seconds: number): Promise<number> {
  const target = new URL(url);
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };
  return (await load({ url: target, path: target.pathname, headers, body: new URLSearchParams(form).toString(), connections: CONCURRENCY, seconds })).perSecond;
}

/** Resident memory of the Actions' processes the sandbox started, together, in MiB (Linux). */
export function actionProcessesRssMiB(parentPid: number): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
      if (ppid === parentPid && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('action-host.js')) total += rssMiB(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/** CPU time a process has used, in ms (Linux: /proc/<pid>/stat, in clock ticks of 10 ms). */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Resident memory of a process, in MiB (Linux). */
export function rssMiB(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  return kb / 1024;
}

/** Wall time of the e2e suite against the embedded target, in seconds. */
export function e2eWallTime(): Promise<number> {
  const began = performance.now();
  const child = spawn(process.execPath, [`${ROOT}node_modules/vitest/vitest.mjs`, 'run', '--project', 'default', 'test/e2e'], { cwd: ROOT, stdio: 'ignore' });
  return new Promise((resolve, reject) => child.once('exit', (code) => (code === 0 ? resolve((performance.now() - began) / 1000) : reject(new Error(`the e2e suite failed (${code})`)))));
}
