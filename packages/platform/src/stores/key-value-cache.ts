/** A cache of JSON-serialisable values with a time to live, e.g. the latest known availability of a product. */
export interface KeyValueCache {
  /** The value, or undefined when absent or expired. */
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
}
