/** Ports for tests that need "nothing listens here". */
import { createServer } from 'node:net';

/** A port that was free a moment ago and is closed now: a connection there is refused, as at a service that is down. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as { port: number };
  await new Promise((closed) => server.close(closed));
  return port;
}
