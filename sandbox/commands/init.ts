/** `dial-sandbox init <dir>`: a new environment folder, copied from the default one. */
import { cpSync, existsSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';

import { DEFAULT_ENVIRONMENT } from '../../common/environment-folder.ts';
import { SandboxError } from '../../common/sandbox-error.ts';

export function initEnvironment(dir: string): string {
  const target = resolve(dir);
  if (existsSync(target) && readdirSync(target).length > 0) {
    throw new SandboxError('ERR_SANDBOX_DEFINITION', `${target} exists and is not empty; nothing was written. Choose a new folder.`);
  }
  cpSync(DEFAULT_ENVIRONMENT, target, { recursive: true, errorOnExist: true });
  return target;
}
