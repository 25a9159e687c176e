import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Starts a service's main.ts as compose does, and resolves with its "listening" line. */
export async function startMain(main: string, env: Record<string, string>): Promise<{ line: string; child: ChildProcess; stop: () => Promise<unknown> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', main], { cwd: ROOT, env: { ...process.env, SANDBOX_STATE_DIR: process.env.SANDBOX_TEST_STATE_DIR!, ...env } });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      if (out.includes('\n')) resolve(out);
    });
    child.once('exit', (code) => reject(new Error(`${main} exited with ${code}`)));
  });
  const stop = async () => {
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    return code;
  };
  return { line, child, stop };
}
