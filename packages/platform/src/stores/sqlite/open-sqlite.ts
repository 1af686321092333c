import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { PlatformErrors } from '../../errors.ts';

/**
 * Opens (creating if needed) a SQLite database tuned for several processes sharing it: WAL so readers never block
 * the writer, and a busy timeout so a writer waits for another's transaction instead of failing at once.
 */
export function openSqlite(path: string): DatabaseSync {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new DatabaseSync(path, { timeout: 5000 });
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec('PRAGMA foreign_keys = ON');
  return db;
}

/**
 * Every SQLite store method starts with this: a call after the platform store closed the connection is the store
 * being unavailable (STORE_UNAVAILABLE, retriable), as on Redis, instead of node:sqlite's plain Error.
 */
export function ensureSqliteOpen(db: DatabaseSync, what: string): void {
  if (!db.isOpen) throw PlatformErrors.create('STORE_UNAVAILABLE', `the SQLite ${what} database is closed`);
}

const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;

/**
 * Runs `work` in a BEGIN IMMEDIATE transaction: the write lock is taken up front, so a read-then-write inside is
 * atomic across connections and processes, with no deadlock on lock upgrade. A database that stays locked past
 * the busy timeout surfaces as STORE_UNAVAILABLE (retriable).
 */
export function immediateTransaction<T>(db: DatabaseSync, work: () => T): T {
  try {
    db.exec('BEGIN IMMEDIATE');
  } catch (error) {
    throw asStoreError(error);
  }
  try {
    const result = work();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw asStoreError(error);
  }
}

function asStoreError(error: unknown): unknown {
  const errcode = (error as { errcode?: number }).errcode;
  if (errcode === SQLITE_BUSY || errcode === SQLITE_LOCKED) {
    return PlatformErrors.create('STORE_UNAVAILABLE', `SQLite database is locked: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return error;
}

/**
 * Deletes expired rows now and then rather than on every write: expiry is enforced by the reads, this only keeps
 * tables from growing.
 */
export function createPurger(intervalMs: number, purge: (now: number) => void): (now: number) => void {
  let last = Number.NEGATIVE_INFINITY;
  return (now) => {
    if (now - last < intervalMs) return;
    last = now;
    purge(now);
  };
}
