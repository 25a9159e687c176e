/** The shared shape of a service's main.ts: start it, say where it runs, stop cleanly on SIGINT/SIGTERM. */
import { SandboxError } from './sandbox-error.ts';

export async function runService(
  name: string,
  start: (env: NodeJS.ProcessEnv) => Promise<{ description: string; stop: () => Promise<void>; exposure?: string }>,
): Promise<void> {
  try {
    const service = await start(process.env);
    const stop = async () => {
      await service.stop();
      process.exit(0);
    };
    // Ready for a stop before saying it listens: whoever waits for that line may stop it at once.
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    process.stdout.write(`[${name}] listening: ${service.description}\n`);
    if (service.exposure) process.stderr.write(`[${name}] ${service.exposure}\n`);
  } catch (error) {
    process.stderr.write(`[${name}] ${error instanceof SandboxError ? error.message : (error as Error).stack}\n`);
    process.exit(1);
  }
}
