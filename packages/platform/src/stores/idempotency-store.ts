/**
 * Outcome of claiming an idempotency key:
 * - claimed: this caller owns the key and must complete() or release() it;
 * - in-flight: another caller holds the key with the same request and has not finished;
 * - completed: the request already ran; `response` is what it returned;
 * - mismatch: the key was used for a different request (a different `requestHash`).
 */
export type ClaimResult =
  | { readonly status: 'claimed' }
  | { readonly status: 'in-flight' }
  | { readonly status: 'completed'; readonly requestHash: string; readonly response: unknown }
  | { readonly status: 'mismatch' };

/**
 * Records which requests ran and what they answered, so a retried request gets the first answer instead of running
 * twice. Every operation is atomic across processes.
 */
export interface IdempotencyStore {
  /**
   * Claims `key` for a request whose canonical content hashes to `requestHash`. A claim lapses after `ttlMs` if the
   * holder dies, so `ttlMs` must exceed the longest time the work can take.
   */
  claim(key: string, requestHash: string, ttlMs: number): Promise<ClaimResult>;
  /**
   * Stores the JSON-serialisable `response` of a claimed key, kept for `ttlMs`. False when the claim had already
   * lapsed or was completed, and nothing was stored.
   */
  complete(key: string, response: unknown, ttlMs: number): Promise<boolean>;
  /** Gives up an in-flight claim after a failure so a retry can run; never removes a completed response. */
  release(key: string): Promise<boolean>;
}
