/**
 * The environment's files name the services at their default addresses (the IdP at 127.0.0.1:4000 and
 * localhost:4443, the stub models at localhost:7001). When they run elsewhere (other ports, port 0 in tests),
 * the DIAL files are read with those addresses replaced by the real ones; the files on disk stay as written.
 */
import { IDP_DEFAULTS } from '../mock-idp/defaults.ts';
import { MODELS_DEFAULTS } from '../mock-models/defaults.ts';

export interface RunningAddresses {
  idpHttpUrl: string;
  idpHttpsUrl: string;
  modelsUrl: string;
}

export type Rewrite = [from: string, to: string];

export function addressRewrites(actual: RunningAddresses): Rewrite[] {
  const hosts = ['127.0.0.1', 'localhost'];
  const port = (url: string) => new URL(url).port;
  const rewrites = (scheme: string, defaultPort: number, url: string) =>
    hosts.map((host): Rewrite => [`${scheme}://${host}:${defaultPort}`, `${scheme}://${host}:${port(url)}`]);
  return [
    ...rewrites('http', IDP_DEFAULTS.httpPort, actual.idpHttpUrl),
    ...rewrites('https', IDP_DEFAULTS.httpsPort, actual.idpHttpsUrl),
    ...rewrites('http', MODELS_DEFAULTS.port, actual.modelsUrl),
  ].filter(([from, to]) => from !== to);
}

/** A copy of a JSON tree with every string that starts with a `from` origin pointed at its `to`. */
export function rewriteAddresses<T>(value: T, rewrites: readonly Rewrite[]): T {
  if (rewrites.length === 0) return value;
  if (typeof value === 'string') {
    const hit = rewrites.find(([from]) => value === from || value.startsWith(`${from}/`));
    return (hit ? hit[1] + value.slice(hit[0].length) : value) as T;
  }
  if (Array.isArray(value)) return value.map((v) => rewriteAddresses(v, rewrites)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewriteAddresses(v, rewrites)])) as T;
  }
  return value;
}
