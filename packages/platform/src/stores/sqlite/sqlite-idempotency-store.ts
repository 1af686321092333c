import type { DatabaseSync } from 'node:sqlite';
import type { IdempotencyStore } from '../idempotency-store.ts';
import type { Clock } from '../store.ts';
import { createPurger, immediateTransaction } from './open-sqlite.ts';

interface Row {
  state: 'in-flight' | 'completed';
  request_hash: string;
  response: string | null;
  expires_at: number;
}

const PURGE_INTERVAL_MS = 60_000;

export function createSqliteIdempotencyStore(db: DatabaseSync, now: Clock = Date.now): IdempotencyStore {
  db.exec(`
    CREATE TABLE IF NOT EXISTS idempotency_keys (
      key TEXT PRIMARY KEY,
      state TEXT NOT NULL,
      request_hash TEXT NOT NULL,
      response TEXT,
      expires_at INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX IF NOT EXISTS idempotency_keys_expires_at ON idempotency_keys (expires_at);
  `);
  const select = db.prepare(
    'SELECT state, request_hash, response, expires_at FROM idempotency_keys WHERE key = ? AND expires_at > ?',
  );
  const insert = db.prepare(
    `INSERT OR REPLACE INTO idempotency_keys (key, state, request_hash, response, expires_at)
     VALUES (?, 'in-flight', ?, NULL, ?)`,
  );
  const complete = db.prepare(
    `UPDATE idempotency_keys SET state = 'completed', response = ?, expires_at = ?
     WHERE key = ? AND state = 'in-flight' AND expires_at > ?`,
  );
  const release = db.prepare("DELETE FROM idempotency_keys WHERE key = ? AND state = 'in-flight' AND expires_at > ?");
  const purgeExpired = db.prepare('DELETE FROM idempotency_keys WHERE expires_at <= ?');
  const purge = createPurger(PURGE_INTERVAL_MS, (at) => purgeExpired.run(at));

  return {
    async claim(key, requestHash, ttlMs) {
      const at = now();
      purge(at);
      return immediateTransaction(db, () => {
        const row = select.get(key, at) as Row | undefined;
        if (row === undefined) {
          insert.run(key, requestHash, at + ttlMs);
          return { status: 'claimed' };
        }
        if (row.request_hash !== requestHash) return { status: 'mismatch' };
        if (row.state === 'completed') {
          return { status: 'completed', requestHash: row.request_hash, response: JSON.parse(row.response!) };
        }
        return { status: 'in-flight' };
      });
    },
    async complete(key, response, ttlMs) {
      const at = now();
      return complete.run(JSON.stringify(response), at + ttlMs, key, at).changes === 1;
    },
    async release(key) {
      return release.run(key, now()).changes === 1;
    },
  };
}
