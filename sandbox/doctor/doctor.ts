/**
 * `dial-sandbox doctor`: a DIAL + Auth0 configuration checked against Core's real rules and the IdP it points
 * at. Each finding names the failing comparison, the file and the fix.
 */
import { isObject } from '../../mock-core/json-merge.ts';
import { auth0Issuer } from './issuer.ts';
import { checkCallbacks, checkChatEnv, checkRoles, checkTenantFile } from './auth0-checks.ts';
import { checkCoreConfig, checkCoreSettings, rawProviders, TRIPLE_SLASH } from './core-checks.ts';
import type { Finding } from './findings.ts';
import type { DoctorInputs } from './inputs.ts';

export interface DoctorOptions {
  /** Ask the IdP the jwksUrl points at (reachability, the issuer it really issues). */
  probe: boolean;
}

export async function runDoctor(inputs: DoctorInputs, options: DoctorOptions): Promise<Finding[]> {
  const findings: Finding[] = [];
  const probed = options.probe ? await probeIdp(inputs, findings) : undefined;
  const issuer = probed ?? (inputs.tenant ? auth0Issuer(inputs.tenant) : undefined);
  findings.push(...checkCoreSettings(inputs, issuer), ...checkCoreConfig(inputs), ...checkChatEnv(inputs), ...checkTenantFile(inputs), ...checkCallbacks(inputs));
  if (inputs.tenant) findings.push(...(await checkRoles(inputs, inputs.tenant)));
  return findings;
}

/** Fetches each provider's JWKS (and the discovery beside it): unreachable is a finding; the issuer is the answer. */
async function probeIdp(inputs: DoctorInputs, findings: Finding[]): Promise<string | undefined> {
  let issuer: string | undefined;
  for (const { name, jwksUrl } of rawProviders(inputs.settings)) {
    if (!jwksUrl || !URL.canParse(jwksUrl) || TRIPLE_SLASH.test(jwksUrl)) continue;
    try {
      const response = await fetch(jwksUrl, { signal: AbortSignal.timeout(3_000) });
      const body = (await response.json()) as { keys?: unknown };
      if (!response.ok || !Array.isArray(body.keys)) throw new Error(`HTTP ${response.status}, ${Array.isArray(body.keys) ? '' : 'no "keys" array'}`);
    } catch (error) {
      findings.push({
        check: 'jwks-unreachable', severity: 'error', where: `${inputs.settingsSource}: identityProviders.${name}.jwksUrl`,
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
