/** A held lock. Only the holder knows `token`, so only it can extend or release the lock. */
export interface Lease {
  readonly name: string;
  /** Random, unique to this acquisition. */
  readonly token: string;
  /**
   * Increases with every acquisition of this lock name, never reused. Pass it to whatever the lock protects so a
   * holder that was paused past its lease (and lost the lock) is refused: accept a write only if its fencing token
   * is at least the highest seen.
   */
  readonly fencingToken: number;
  /** Resets the lease to `ttlMs` from now; false when the lease had already expired (maybe taken by another). */
  extend(ttlMs: number): Promise<boolean>;
  /** False when the lease had already expired; then it no longer belonged to this holder. */
  release(): Promise<boolean>;
}

export interface DistributedLock {
  /** The lease, or null when someone else holds an unexpired lease on `name`. Never waits. */
  acquire(name: string, ttlMs: number): Promise<Lease | null>;
}
