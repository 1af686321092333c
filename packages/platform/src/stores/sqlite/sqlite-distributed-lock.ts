import { randomBytes } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import type { DistributedLock, Lease } from '../distributed-lock.ts';
import type { Clock } from '../store.ts';
import { immediateTransaction } from './open-sqlite.ts';

// Same semantics as the Redis lock: a lease row with the holder's token and an expiry, and a per-name counter
// that only grows. An expired row counts as free; the next acquirer overwrites it.

export function createSqliteDistributedLock(db: DatabaseSync, now: Clock = Date.now): DistributedLock {
  db.exec(`
    CREATE TABLE IF NOT EXISTS locks (
      name TEXT PRIMARY KEY,
      token TEXT NOT NULL,
      expires_at INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE IF NOT EXISTS lock_fences (
      name TEXT PRIMARY KEY,
      counter INTEGER NOT NULL
    ) STRICT;
  `);
  const held = db.prepare('SELECT 1 FROM locks WHERE name = ? AND expires_at > ?');
  const take = db.prepare('INSERT OR REPLACE INTO locks (name, token, expires_at) VALUES (?, ?, ?)');
  const fence = db.prepare(
    `INSERT INTO lock_fences (name, counter) VALUES (?, 1)
     ON CONFLICT (name) DO UPDATE SET counter = counter + 1 RETURNING counter`,
  );
  const extend = db.prepare('UPDATE locks SET expires_at = ? WHERE name = ? AND token = ? AND expires_at > ?');
  const release = db.prepare('DELETE FROM locks WHERE name = ? AND token = ? AND expires_at > ?');

  return {
    async acquire(name, ttlMs) {
      const token = randomBytes(16).toString('hex');
      const fencingToken = immediateTransaction(db, () => {
        const at = now();
        if (held.get(name, at) !== undefined) return null;
        take.run(name, token, at + ttlMs);
        return (fence.get(name) as { counter: number }).counter;
      });
      if (fencingToken === null) return null;
      const lease: Lease = {
        name,
        token,
        fencingToken,
        extend: async (ttl) => {
          const at = now();
          return extend.run(at + ttl, name, token, at).changes === 1;
        },
        release: async () => release.run(name, token, now()).changes === 1,
      };
      return lease;
    },
  };
}
