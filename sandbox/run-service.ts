/** The shared shape of a service's main.ts: start it, say where it runs, stop cleanly on SIGINT/SIGTERM. */
import { SandboxError } from './errors.ts';

export async function runService(
  name: string,
  start: (env: NodeJS.ProcessEnv) => Promise<{ description: string; stop: () => Promise<void> }>,
): Promise<void> {
  try {
    const service = await start(process.env);
    process.stdout.write(`[${name}] listening: ${service.description}\n`);
    const stop = async () => {
      await service.stop();
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  } catch (error) {
    process.stderr.write(`[${name}] ${error instanceof SandboxError ? error.message : (error as Error).stack}\n`);
    process.exit(1);
  }
}
