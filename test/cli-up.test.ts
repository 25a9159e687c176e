import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { decodeJwt } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';

import { chatStatus } from './support/sandbox-helpers.ts';

const CLI = fileURLToPath(new URL('../bin/dial-sandbox.js', import.meta.url));

function runCli(...args: string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [CLI, ...args], { env: { ...process.env, FORCE_COLOR: '0' } });
}

/** Resolves with everything printed once `until` appears on stdout. */
function readUntil(child: ChildProcessWithoutNullStreams, until: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (until.test(out)) resolve(out);
    });
    child.once('exit', () => reject(new Error(`the CLI exited before printing ${until}: ${out}`)));
  });
}

describe('dial-sandbox up', () => {
  let child: ChildProcessWithoutNullStreams | undefined;
  afterEach(() => {
    child?.kill('SIGKILL');
  });

  it('serves the default environment (mock-idp, mock-models, mock-core) on loopback, prints what runs where without a warning, and stops cleanly on Ctrl-C', async () => {
    const stateDir = process.env.SANDBOX_TEST_STATE_DIR!;
    child = runCli('up', '--idp-http-port', '0', '--idp-https-port', '0', '--models-port', '0', '--core-port', '0', '--console-port', '0', '--state-dir', stateDir);
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const summary = await readUntil(child, /Ctrl-C stops/);
    const [, httpsUrl, httpUrl] = /https\s+(https:\/\/\S+)\s+http (http:\/\/\S+)/.exec(summary)!;
    const issuer = /issuer\s+(\S+)/.exec(summary)![1]!;
    expect(issuer).toBe(`https://localhost:${new URL(httpsUrl!).port}/`);
    expect(summary).toContain('alice@example.com');
    expect(summary).toContain(`NODE_EXTRA_CA_CERTS='${join(stateDir, 'tls', 'ca.pem')}'`);

    for (const base of [httpUrl, httpsUrl]) {
      const discovery = (await (await fetch(`${base}/.well-known/openid-configuration`)).json()) as { issuer: string };
      expect(discovery.issuer).toBe(issuer);
    }
    const response = await fetch(`${httpUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'password', client_id: 'dial-chat', client_secret: 'dial-chat-secret', username: 'alice@example.com', password: 'alice', audience: 'dial-api' }),
    });
    const { access_token } = (await response.json()) as { access_token: string };
    expect(decodeJwt(access_token)).toMatchObject({ iss: issuer, dial_roles: ['auth0-role-name'] });

    const modelsUrl = /mock-models[^\n]*\n\s+url\s+(http:\/\/\S+)/.exec(summary)![1]!;
    const reply = await fetch(`${modelsUrl}/v1/openai/deployments/gpt-35-turbo/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-upstream-key': 'modelKey1' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'ping' }] }),
    });
    expect(((await reply.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content).toBe('ping');

    // The tutorial's flow from the command line: alice's token opens chat-gpt-35-turbo, bob's does not.
    const coreUrl = /mock-core[^\n]*\n\s+url\s+(http:\/\/\S+)/.exec(summary)![1]!;
    const callAs = async (username: string, password: string) => {
      const grant = await fetch(`${httpUrl}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_type: 'password', client_id: 'dial-chat', client_secret: 'dial-chat-secret', username, password, audience: 'dial-api' }),
      });
      return chatStatus(coreUrl, ((await grant.json()) as { access_token: string }).access_token);
    };
    expect(await callAs('alice@example.com', 'alice')).toBe(200);
    expect(await callAs('bob@example.com', 'bob')).toBe(403);

    // The console, on loopback: its page, and its matrix saying what Core just answered.
    const consoleUrl = /\nconsole [^\n]*\n\s+url\s+(http:\/\/127\.0\.0\.1:\d+\/)\s+loopback only/.exec(summary)![1]!;
    expect((await fetch(consoleUrl)).headers.get('content-security-policy')).toContain("default-src 'none'");
    const matrix = (await (await fetch(`${consoleUrl}api/matrix`)).json()) as { rows: { label: string; next: { cells: { deployment: string; allowed: boolean }[] } }[] };
    const verdict = (email: string) => matrix.rows.find((r) => r.label === email)!.next.cells.find((c) => c.deployment === 'chat-gpt-35-turbo')!.allowed;
    expect([verdict('alice@example.com'), verdict('bob@example.com')]).toEqual([true, false]);

    child.kill('SIGINT');
    const [code] = await once(child, 'close'); // stderr read to its end too
    expect(code).toBe(0);
    expect(stderr).not.toContain('WARNING: listening'); // on loopback, nothing to warn of
  });

  it('reports a broken environment with each problem and exits non-zero before any port opens', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'env-'));
    writeFileSync(join(dir, 'tenant.yaml'), 'users:\n  - email: carol@example.com\n    password: c\n    roles: [ghost]\n');
    child = runCli('up', dir, '--idp-http-port', '0', '--idp-https-port', '0', '--models-port', '0', '--core-port', '0');
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(stderr).toMatch(/tenant\.yaml:4:\d+\s+\$\.users\[0\]\.roles\[0\]\s+unknown role "ghost"/);
  });
});
