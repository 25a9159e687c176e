/** The running sandbox's services, as the console reads them: in this process, with the clock they share. */
import type { Clock } from '../common/clock.ts';
import type { Core } from '../mock-core/core.ts';
import type { Idp } from '../mock-idp/idp.ts';
import type { Models } from '../mock-models/models.ts';

export interface ConsoleServices {
  idp: Idp;
  models: Models;
  core?: Core;
  clock: Clock;
}
