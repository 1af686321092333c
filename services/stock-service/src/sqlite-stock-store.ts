import { createPurger, ensureSqliteOpen, immediateTransaction, type SqliteStoreConnection } from '@orderflow/platform';
import { toReservationRecord } from './reservation-record.ts';
import type {
  ReservationRequest,
  ReservationResult,
  RestockResult,
  SeedResult,
  SetStockResult,
  StockStore,
  StockStoreSettings,
} from './stock-store.ts';

// Same model as the Redis store: a level and the highest accepted fencing token per product, and each order's
// decision with an expiry. Every method is one BEGIN IMMEDIATE transaction, which serialises writers across
// connections and processes sharing the file, so a check and the write that depends on it cannot be interleaved.

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS stock_levels (
    product_id TEXT PRIMARY KEY,
    available INTEGER NOT NULL CHECK (available >= 0),
    fence INTEGER NOT NULL DEFAULT 0
  ) STRICT;
  CREATE TABLE IF NOT EXISTS stock_reservations (
    order_id TEXT PRIMARY KEY,
    product_id TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    level INTEGER NOT NULL,
    decided_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX IF NOT EXISTS stock_reservations_expiry ON stock_reservations (expires_at);
  CREATE TABLE IF NOT EXISTS stock_seeding (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seeded_at TEXT NOT NULL
  ) STRICT;
`;

const PURGE_INTERVAL_MS = 60_000;

interface ReservationRow {
  product_id: string;
  quantity: number;
  outcome: string;
  level: number;
  decided_at: number;
}

interface LevelRow {
  available: number;
  fence: number;
}

export type SqliteStockStoreOptions = SqliteStoreConnection & StockStoreSettings;

/** Creates its tables if needed. The connection stays the platform store's, which closes it. */
export function createSqliteStockStore(options: SqliteStockStoreOptions): StockStore {
  const { db, locks, reservationRetentionMs } = options;
  db.exec(SCHEMA);
  const findReservation = db.prepare(
    'SELECT product_id, quantity, outcome, level, decided_at FROM stock_reservations WHERE order_id = ? AND expires_at > ?',
  );
  const recordReservation = db.prepare(
    `INSERT OR REPLACE INTO stock_reservations (order_id, product_id, quantity, outcome, level, decided_at, expires_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const purgeReservations = db.prepare('DELETE FROM stock_reservations WHERE expires_at <= ?');
  const findLevel = db.prepare('SELECT available, fence FROM stock_levels WHERE product_id = ?');
  const decrement = db.prepare(
    'UPDATE stock_levels SET available = available - ? WHERE product_id = ? AND available >= ? RETURNING available',
  );
  const markSeeded = db.prepare('INSERT INTO stock_seeding (id, seeded_at) VALUES (1, ?) ON CONFLICT DO NOTHING');
  const createLevel = db.prepare(
    'INSERT INTO stock_levels (product_id, available) VALUES (?, ?) ON CONFLICT (product_id) DO NOTHING',
  );
  const listLevels = db.prepare('SELECT product_id, available FROM stock_levels ORDER BY product_id');
  const setLevel = db.prepare(
    `INSERT INTO stock_levels (product_id, available, fence) VALUES (?, ?, ?)
     ON CONFLICT (product_id) DO UPDATE SET available = excluded.available, fence = excluded.fence`,
  );
  const addLevel = db.prepare(
    'UPDATE stock_levels SET available = available + ?, fence = ? WHERE product_id = ? RETURNING available',
  );
  const purge = createPurger(PURGE_INTERVAL_MS, (now) => purgeReservations.run(now));

  /** One order's check, decrement and record; runs inside the caller's transaction. */
  function decide(request: ReservationRequest, now: number): ReservationResult {
    const { orderId, productId, quantity } = request;
    const recorded = findReservation.get(orderId, now) as ReservationRow | undefined;
    if (recorded !== undefined) {
      const record = toReservationRecord({
        orderId,
        productId: recorded.product_id,
        quantity: recorded.quantity,
        decidedAt: recorded.decided_at,
        outcome: recorded.outcome,
        level: recorded.level,
      });
      return { record, replayed: true };
    }
    purge(now);
    const current = findLevel.get(productId) as LevelRow | undefined;
    let outcome: 'reserved' | 'insufficient' | 'unknown-product' = 'unknown-product';
    let level = 0;
    if (current !== undefined) {
      const after = decrement.get(quantity, productId, quantity) as { available: number } | undefined;
      outcome = after === undefined ? 'insufficient' : 'reserved';
      level = after === undefined ? current.available : after.available;
    }
    recordReservation.run(orderId, productId, quantity, outcome, level, now, now + reservationRetentionMs);
    const record = toReservationRecord({ orderId, productId, quantity, decidedAt: now, outcome, level });
    return { record, replayed: false };
  }

  function ensureOpen(): void {
    ensureSqliteOpen(db, 'stock');
  }

  return {
    locks,
    async reserve(request, now): Promise<ReservationResult> {
      ensureOpen();
      return immediateTransaction(db, () => decide(request, now));
    },
    async reserveMany(requests, now): Promise<ReservationResult[]> {
      ensureOpen();
      if (requests.length === 0) return [];
      return immediateTransaction(db, () => requests.map((request) => decide(request, now)));
    },
    async seed(levels): Promise<SeedResult> {
      ensureOpen();
      return immediateTransaction(db, () => {
        if (markSeeded.run(new Date().toISOString()).changes === 0) return { seeded: false, created: 0 };
        let created = 0;
        for (const [productId, available] of levels) created += Number(createLevel.run(productId, available).changes);
        return { seeded: true, created };
      });
    },
    async list() {
      ensureOpen();
      return (listLevels.all() as { product_id: string; available: number }[]).map((row) => ({
        productId: row.product_id,
        available: row.available,
      }));
    },
    async get(productId) {
      ensureOpen();
      return (findLevel.get(productId) as LevelRow | undefined)?.available;
    },
    async set(productId, available, fencingToken): Promise<SetStockResult> {
      ensureOpen();
      return immediateTransaction(db, () => {
        const current = findLevel.get(productId) as LevelRow | undefined;
        if (current !== undefined && fencingToken < current.fence) return { outcome: 'fenced' };
        setLevel.run(productId, available, fencingToken);
        return { outcome: 'set', available, created: current === undefined };
      });
    },
    async restock(productId, quantity, fencingToken): Promise<RestockResult> {
      ensureOpen();
      return immediateTransaction(db, () => {
        const current = findLevel.get(productId) as LevelRow | undefined;
        if (current === undefined) return { outcome: 'unknown-product' };
        if (fencingToken < current.fence) return { outcome: 'fenced' };
        const after = addLevel.get(quantity, fencingToken, productId) as { available: number };
        return { outcome: 'restocked', available: after.available };
      });
    },
    async ping() {
      ensureOpen();
      db.prepare('SELECT 1').get();
    },
  };
}
