/** The package's public API: a list of re-exports. */
export { DEFAULT_ENVIRONMENT } from '../common/environment-folder.ts';
export { SandboxError, type Problem } from '../common/sandbox-error.ts';
export { startSandbox, type StartedSandbox, type TokenOptions } from './start-sandbox.ts';
export { loadEnvironment, type Environment } from './environment.ts';
export type { ServiceOptions } from './start-environment.ts';
export { SandboxClock, ManualClock, type Clock } from '../common/clock.ts';
