import { after } from 'node:test';

/** Anything a test opens and must let go of: an app or connection (close), a runner (stop) or a data set (cleanup). */
export type Closable = { close(): unknown } | { stop(): unknown } | { cleanup(): unknown };

/**
 * Registers an after() hook that closes, last opened first (apps before the stores they use), whatever the returned
 * function is given, so a test file keeps no lists of its own.
 */
export function closeAfterAll(): <T extends Closable>(thing: T) => T {
  const opened: Closable[] = [];
  after(async () => {
    for (const thing of opened.splice(0).reverse()) {
      await ('cleanup' in thing ? thing.cleanup() : 'stop' in thing ? thing.stop() : thing.close());
    }
  });
  return (thing) => {
    opened.push(thing);
    return thing;
  };
}
