import { describe, expect, it } from 'vitest';

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
});
