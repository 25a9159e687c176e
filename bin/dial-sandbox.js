#!/usr/bin/env node
// The CLI is TypeScript; tsx lets Node 20 run it without a build step.
import { register } from 'tsx/esm/api';

register();
await import('../sandbox/cli.ts');
