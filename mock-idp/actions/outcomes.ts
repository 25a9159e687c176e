import { BoundedMap } from '../../common/bounded-map.ts';
import type { PostLoginOutcome } from './post-login.ts';

/** An outcome with nothing in it: the login ran no Action, or none asked for anything. */
export const NO_OUTCOME: PostLoginOutcome = Object.freeze({ accessTokenClaims: {}, idTokenClaims: {}, scopesAdded: [], scopesRemoved: [] });

/**
 * What the Post-Login trigger produced, kept between the moment it runs (the login) and the moment tokens
 * are minted (the code exchange, possibly much later): per grant, and per token request being answered.
 */
export class Outcomes {
  static readonly LIMIT = 10_000;
  readonly #byGrant = new BoundedMap<string, PostLoginOutcome>(Outcomes.LIMIT);
  readonly #byRequest = new WeakMap<object, PostLoginOutcome>();

  remember(grantId: string, outcome: PostLoginOutcome): void {
    // Oldest first out; deleting first makes a re-remembered grant the freshest.
    this.#byGrant.delete(grantId);
    this.#byGrant.set(grantId, outcome);
  }

  forGrant(grantId: string | undefined): PostLoginOutcome | undefined {
    return grantId ? this.#byGrant.get(grantId) : undefined;
  }

  /** The outcome of the token request `ctx` is answering, so its ID token gets the same Action claims. */
  forRequest(ctx: object | undefined): PostLoginOutcome | undefined {
    return ctx ? this.#byRequest.get(ctx) : undefined;
  }

  setForRequest(ctx: object, outcome: PostLoginOutcome): void {
    this.#byRequest.set(ctx, outcome);
  }
}
