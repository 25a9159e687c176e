import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A state folder of a test's own (for tests that change keys or users), with the test CA the SDKs trust. */
export function privateStateDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `sandbox-${prefix}-`));
  cpSync(join(process.env.SANDBOX_TEST_STATE_DIR!, 'tls'), join(dir, 'tls'), { recursive: true });
  return dir;
}

/** A chat completion at Core with this bearer token: the status Core answers. */
export const chatStatus = (coreUrl: string, token: string, deployment = 'chat-gpt-35-turbo'): Promise<number> =>
  fetch(`${coreUrl}/openai/deployments/${deployment}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
  }).then((r) => r.status);
