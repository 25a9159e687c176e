/** Where a caller's things are kept: the bucket locations Core's BucketBuilder builds (docs/dial-core.md#bucket-answer). */
import type { Principal } from '../auth/authenticate.ts';

/**
 * Where a caller's bucket is: `Users/<sub>/` for a user's token, `Keys/<project>/` for an API key, and for a
 * per-request key the bucket of the deployment it was made for.
 */
export function locationOf(caller: Principal): string {
  return caller.perRequest ? `Keys/${caller.perRequest.deployment}/` : initiatorLocation(caller);
}

/** The user (or key) behind the call, even through a per-request key: shares and app-data are theirs. */
export function initiatorLocation(caller: Principal): string {
  return caller.kind === 'user' ? `Users/${caller.sub ?? ''}/` : `Keys/${caller.project}/`;
}
