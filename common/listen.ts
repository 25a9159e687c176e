/** Starting a service's server: listen, then say where it really is (port 0 picks one; IPv6 needs brackets). */
import { once } from 'node:events';
import type { AddressInfo, Server } from 'node:net';

export interface Listening {
  /** `scheme://host:port` of the bound address, an IPv6 one in brackets (`http://[::1]:4000`). */
  url: string;
  /** The port bound, the one picked when 0 was asked for. */
  port: number;
}

/** Resolves once listening; rejects with the server's error (EADDRINUSE, EADDRNOTAVAIL, …). */
export async function listen(server: Server, port: number, host: string, scheme = 'http'): Promise<Listening> {
  await once(server.listen(port, host), 'listening');
  const { address, port: bound } = server.address() as AddressInfo;
  return { url: `${scheme}://${address.includes(':') ? `[${address}]` : address}:${bound}`, port: bound };
}
