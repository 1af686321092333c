import type { DatabaseSync } from 'node:sqlite';
import type { KeyValueCache } from '../key-value-cache.ts';
import type { Clock } from '../store.ts';
import { createPurger } from './open-sqlite.ts';

const PURGE_INTERVAL_MS = 60_000;

export function createSqliteKeyValueCache(db: DatabaseSync, now: Clock = Date.now): KeyValueCache {
  db.exec(`
    CREATE TABLE IF NOT EXISTS cache_entries (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL,
      expires_at INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX IF NOT EXISTS cache_entries_expires_at ON cache_entries (expires_at);
  `);
  const select = db.prepare('SELECT value FROM cache_entries WHERE key = ? AND expires_at > ?');
  const upsert = db.prepare('INSERT OR REPLACE INTO cache_entries (key, value, expires_at) VALUES (?, ?, ?)');
  const remove = db.prepare('DELETE FROM cache_entries WHERE key = ?');
  const purgeExpired = db.prepare('DELETE FROM cache_entries WHERE expires_at <= ?');
  const purge = createPurger(PURGE_INTERVAL_MS, (at) => purgeExpired.run(at));

  return {
    async get(key) {
      const row = select.get(key, now()) as { value: string } | undefined;
      return row === undefined ? undefined : JSON.parse(row.value);
    },
    async set(key, value, ttlMs) {
      const at = now();
      purge(at);
      upsert.run(key, JSON.stringify(value), at + ttlMs);
    },
    async delete(key) {
      remove.run(key);
    },
  };
}
