/** mock-idp's defaults, in one place. */
export const IDP_DEFAULTS = {
  /** Loopback only: the sandbox is never reachable from another machine unless told. */
  host: '127.0.0.1',
  /** Plain HTTP, for clients inside a compose network and quick curl checks. */
  httpPort: 4000,
  /** HTTPS, which the Auth0 SDKs insist on; the tenant's default domain is localhost:<this port>. */
  httpsPort: 4443,
  /** CA, certificates and signing keys; relative to the working directory. */
  stateDir: '.sandbox',
} as const;
