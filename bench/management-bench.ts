/**
 * The Management API's write latency as the directory grows: one user created at a time (no queueing, so
 * the figure is a write's own cost), on a mock-idp whose state folder already holds `users` users.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { percentiles } from './load.ts';

const WRITES = 300;

/** p50 and p99 of `POST /api/v2/users`, in ms, with `users` users in the directory before the first. */
export async function userCreateLatency(users: number): Promise<{ p50: number; p99: number }> {
  const stateDir = mkdtempSync(join(tmpdir(), 'bench-directory-'));
  writeFileSync(join(stateDir, 'directory.json'), JSON.stringify({ defined: 'bench', users: Array.from({ length: users }, (_, i) => seededUser(i)), roles: [] }));
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./serve.ts', import.meta.url)), 'idp', stateDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const [httpUrl, issuer] = (await new Promise<string>((resolve, reject) => {
      child.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
      child.once('exit', (code) => reject(new Error(`the benchmark's mock-idp exited with ${code}`)));
    })).split(' ') as [string, string];
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const { access_token } = JSON.parse((await send(agent, `${httpUrl}/oauth/token`, {}, { grant_type: 'client_credentials', client_id: 'ci-runner', client_secret: 'ci-runner-secret', audience: `${issuer}api/v2/` })).body) as { access_token: string };
    const samples: number[] = [];
    for (let i = 0; i < WRITES; i++) {
      const started = performance.now();
      const { status } = await send(agent, `${httpUrl}/api/v2/users`, { authorization: `Bearer ${access_token}` }, { connection: 'Username-Password-Authentication', email: `bench-${i}@example.com`, password: 'pw', user_metadata: { plan: 'bench' } });
      if (status !== 201) throw new Error(`a user create answered ${status}`);
      samples.push(performance.now() - started);
    }
    agent.destroy();
    return percentiles(samples);
  } finally {
    child.kill();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

function seededUser(i: number) {
  const at = new Date(0).toISOString();
  return { user_id: `auth0|seed${i}`, email: `seed-${i}@example.com`, password: 'pw', email_verified: true, name: `Seed ${i}`, nickname: `seed-${i}`, picture: '', created_at: at, updated_at: at, app_metadata: { team: 'bench' }, user_metadata: { theme: 'dark' }, roles: [] };
}

function send(agent: http.Agent, url: string, headers: Record<string, string>, body: object): Promise<{ status: number; body: string }> {
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { agent, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers } }, (res) => {
      let received = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (received += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: received }));
    });
    req.on('error', reject);
    req.end(text);
  });
}
