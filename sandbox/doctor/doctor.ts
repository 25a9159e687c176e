/**
 * `dial-sandbox doctor`: a DIAL + Auth0 configuration checked against Core's real rules and the IdP it points
 * at. Each finding names the failing comparison, the file and the fix.
 */
import { isObject } from '../../mock-core/json-merge.ts';
import { IDP_DEFAULTS } from '../../mock-idp/defaults.ts';
import { auth0Issuer } from './issuer.ts';
import { checkCallbacks, checkChatEnv, checkRoles, checkTenantFile } from './auth0-checks.ts';
import { checkCoreConfig, checkCoreSettings, rawProviders, TRIPLE_SLASH } from './core-checks.ts';
import type { Finding } from './findings.ts';
import { settingsWhere, type DoctorInputs } from './inputs.ts';

export interface DoctorOptions {
  /** Ask the IdP the jwksUrl points at (reachability, the issuer it really issues). */
  probe: boolean;
  /** The ports the sandbox's IdP listens on by default (tests name free ones): a jwksUrl at them is the sandbox's own. */
  sandboxIdpPorts?: SandboxIdpPorts;
}

export interface SandboxIdpPorts {
  httpPort: number;
  httpsPort: number;
}

export async function runDoctor(inputs: DoctorInputs, options: DoctorOptions): Promise<Finding[]> {
  const findings: Finding[] = [];
  const probed = options.probe ? await probeIdp(inputs, findings, options.sandboxIdpPorts ?? IDP_DEFAULTS) : undefined;
  const issuer = probed ?? (inputs.tenant ? auth0Issuer(inputs.tenant) : undefined);
  findings.push(...checkCoreSettings(inputs, issuer), ...checkCoreConfig(inputs), ...checkChatEnv(inputs), ...checkTenantFile(inputs), ...checkCallbacks(inputs));
  if (inputs.tenant) findings.push(...(await checkRoles(inputs, inputs.tenant)));
  return findings;
}

/** Fetches each provider's JWKS (and the discovery beside it): unreachable is a finding; the issuer is the answer. */
async function probeIdp(inputs: DoctorInputs, findings: Finding[], sandboxPorts: SandboxIdpPorts): Promise<string | undefined> {
  let issuer: string | undefined;
  for (const { name, jwksUrl } of rawProviders(inputs.settings)) {
    if (!jwksUrl || !URL.canParse(jwksUrl) || TRIPLE_SLASH.test(jwksUrl)) continue;
    try {
      const response = await fetch(jwksUrl, { signal: AbortSignal.timeout(3_000) });
      const body = (await response.json()) as { keys?: unknown };
      if (!response.ok || !Array.isArray(body.keys)) throw new Error(`HTTP ${response.status}, ${Array.isArray(body.keys) ? '' : 'no "keys" array'}`);
    } catch (error) {
      const where = settingsWhere(inputs, `identityProviders.${name}.jwksUrl`);
      // The sandbox's own IdP, stopped: the settings may well be right, only nothing was there to ask.
      if (isSandboxIdpUrl(jwksUrl, sandboxPorts) && (error as { cause?: { code?: unknown } }).cause?.code === 'ECONNREFUSED') {
        findings.push({
          check: 'jwks-sandbox-not-running', severity: 'warning', where,
          title: `nothing answers at ${jwksUrl}, the sandbox's own IdP address: the IdP was not asked (issuer and JWKS unchecked)`,
          compared: `GET ${jwksUrl}: ${(error as Error).cause}`,
          fix: 'start the sandbox (npm start) or pass --no-probe',
        });
        continue;
      }
      findings.push({
        check: 'jwks-unreachable', severity: 'error', where,
        title: 'jwksUrl does not answer with a JWKS: every token gets 401 "Bad Authorization header"',
        compared: `GET ${jwksUrl}: ${(error as Error).cause ?? (error as Error).message}`,
        fix: 'point jwksUrl at <issuer>.well-known/jwks.json, reachable from where Core runs (in compose: the service name, e.g. http://idp:4000/...)',
      });
      continue;
    }
    const discovery = await fetch(new URL('/.well-known/openid-configuration', jwksUrl), { signal: AbortSignal.timeout(3_000) }).then((r) => r.json() as Promise<unknown>).catch(() => undefined);
    if (isObject(discovery) && typeof discovery.issuer === 'string') issuer ??= discovery.issuer;
  }
  return issuer;
}

/** A loopback address at the port the sandbox's IdP serves that scheme on (the shipped settings' jwksUrl is one). */
export function isSandboxIdpUrl(url: string, ports: SandboxIdpPorts = IDP_DEFAULTS): boolean {
  const { protocol, hostname, port } = new URL(url);
  const loopback = hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
  const expected = protocol === 'http:' ? ports.httpPort : protocol === 'https:' ? ports.httpsPort : undefined;
  return loopback && expected !== undefined && Number(port || (protocol === 'http:' ? 80 : 443)) === expected;
}
