import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it, vi } from 'vitest';

import { DEFAULT_ENVIRONMENT } from '../common/environment-folder.ts';
import { SandboxError } from '../common/sandbox-error.ts';
import { startSandbox } from '../sandbox/index.ts';

describe('startSandbox, as another project would use it', () => {
  it('runs the tutorial on free ports: alice may call the model, bob may not, someone else has no token, and disposal closes everything', async () => {
    let coreUrl: string;
    {
      await using sandbox = await startSandbox(undefined, { stateDir: process.env.SANDBOX_TEST_STATE_DIR });
      coreUrl = sandbox.coreUrl!;
      const call = async (email: string) =>
        fetch(`${sandbox.coreUrl}/openai/deployments/chat-gpt-35-turbo/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${await sandbox.token(email)}`, 'content-type': 'application/json' },
          body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
        });
      expect((await call('alice@example.com')).status).toBe(200);
      expect((await call('bob@example.com')).status).toBe(403);
      expect(sandbox.issuer).toBe(`https://localhost:${new URL(sandbox.idp.httpsUrl).port}/`);
      await expect(sandbox.token('carol@example.com')).rejects.toThrow(/No user carol@example.com in the tenant; the users are: alice@example.com, bob@example.com/);
    }
    await expect(fetch(`${coreUrl}/health`)).rejects.toThrow();
  });

  it('refuses to start, before any port opens, an environment whose Action has a syntax error (not a 403 at the first login)', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'start-sandbox-')), 'env');
    cpSync(DEFAULT_ENVIRONMENT, dir, { recursive: true });
    writeFileSync(join(dir, 'actions', 'dial-role.js'), 'exports.onExecutePostLogin = async (event, api) => {\n  if (event.authorization) {\n');
    // Every server of the sandbox (HTTP, HTTPS) listens through net.Server: not one listen may happen.
    const listen = vi.spyOn(Server.prototype, 'listen');
    try {
      const failure = await startSandbox(dir).catch((error: unknown) => error);
      // Were it to start anyway, it must not outlive the failed test.
      if (!(failure instanceof Error)) await (failure as Awaited<ReturnType<typeof startSandbox>>).stop();
      expect(failure).toBeInstanceOf(SandboxError);
      expect((failure as SandboxError).problems).toContainEqual(expect.objectContaining({ file: expect.stringMatching(/actions\/dial-role\.js$/), line: 3, message: expect.stringContaining('Unexpected end of input') }));
      expect(listen).not.toHaveBeenCalled();
    } finally {
      listen.mockRestore();
    }
  });
});
