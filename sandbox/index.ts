/** The package's public API: a list of re-exports. */
export { startSandbox, type StartedSandbox, type TokenOptions } from './start-sandbox.ts';
export { loadEnvironment, DEFAULT_ENVIRONMENT, type Environment } from './environment.ts';
export { SandboxError, type Problem } from './errors.ts';
export type { ServiceOptions } from './start-environment.ts';
export { SandboxClock, ManualClock, type Clock } from '../common/clock.ts';
