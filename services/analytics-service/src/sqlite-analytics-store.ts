import { createPurger, ensureSqliteOpen, immediateTransaction, type SqliteStoreConnection } from '@orderflow/platform';
import type { AnalyticsStore, AnalyticsStoreSettings, Counts, ProductStats, Totals } from './analytics-store.ts';
import type { CountedEvent } from './counted-event.ts';
import { bucketMinute, denseBuckets, minuteOf, WINDOW_MINUTES } from './minute-window.ts';

// The same model as the Redis store, one table per level. Counting an event is one BEGIN IMMEDIATE transaction:
// the id is claimed and every counter moved under the write lock, which serialises writers across connections and
// processes sharing the file, so an event is counted entirely or not at all, and once.

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS analytics_seen_events (
    event_id TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX IF NOT EXISTS analytics_seen_events_expiry ON analytics_seen_events (expires_at);
  CREATE TABLE IF NOT EXISTS analytics_totals (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    orders INTEGER NOT NULL,
    quantity INTEGER NOT NULL,
    confirmed INTEGER NOT NULL,
    rejected INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE IF NOT EXISTS analytics_rejections (
    reason TEXT PRIMARY KEY,
    rejected INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE IF NOT EXISTS analytics_products (
    product_id TEXT PRIMARY KEY,
    orders INTEGER NOT NULL,
    quantity INTEGER NOT NULL,
    confirmed INTEGER NOT NULL,
    rejected INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX IF NOT EXISTS analytics_products_by_quantity ON analytics_products (quantity DESC, product_id);
  CREATE INDEX IF NOT EXISTS analytics_products_by_orders ON analytics_products (orders DESC, product_id);
  CREATE TABLE IF NOT EXISTS analytics_minutes (
    minute INTEGER PRIMARY KEY,
    orders INTEGER NOT NULL,
    quantity INTEGER NOT NULL,
    confirmed INTEGER NOT NULL,
    rejected INTEGER NOT NULL
  ) STRICT;
`;

const ANALYTICS_TABLES = [
  'analytics_seen_events',
  'analytics_totals',
  'analytics_rejections',
  'analytics_products',
  'analytics_minutes',
] as const;

const PURGE_INTERVAL_MS = 60_000;

// Type aliases rather than interfaces: node:sqlite's rows are records, which only aliases are assignable from.
type CountsRow = { orders: number; quantity: number; confirmed: number; rejected: number };
type ProductRow = CountsRow & { product_id: string };
type MinuteRow = CountsRow & { minute: number };

export type SqliteAnalyticsStoreOptions = Pick<SqliteStoreConnection, 'db'> & AnalyticsStoreSettings;

/** Creates its tables if needed. The connection stays the platform store's, which closes it. */
export function createSqliteAnalyticsStore(options: SqliteAnalyticsStoreOptions): AnalyticsStore {
  const { db, dedupeRetentionMs } = options;
  db.exec(SCHEMA);
  // A forgotten (expired) id may be claimed again; a remembered one changes nothing and reports 0 changes.
  const claim = db.prepare(
    `INSERT INTO analytics_seen_events (event_id, expires_at) VALUES (?, ?)
     ON CONFLICT (event_id) DO UPDATE SET expires_at = excluded.expires_at
     WHERE analytics_seen_events.expires_at <= ?`,
  );
  const addTotals = db.prepare(
    `INSERT INTO analytics_totals (id, orders, quantity, confirmed, rejected, updated_at) VALUES (1, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET orders = orders + excluded.orders, quantity = quantity + excluded.quantity,
       confirmed = confirmed + excluded.confirmed, rejected = rejected + excluded.rejected,
       updated_at = excluded.updated_at`,
  );
  const addRejection = db.prepare(
    `INSERT INTO analytics_rejections (reason, rejected) VALUES (?, ?)
     ON CONFLICT (reason) DO UPDATE SET rejected = rejected + excluded.rejected`,
  );
  const addProduct = db.prepare(
    `INSERT INTO analytics_products (product_id, orders, quantity, confirmed, rejected) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (product_id) DO UPDATE SET orders = orders + excluded.orders, quantity = quantity + excluded.quantity,
       confirmed = confirmed + excluded.confirmed, rejected = rejected + excluded.rejected`,
  );
  const addMinute = db.prepare(
    `INSERT INTO analytics_minutes (minute, orders, quantity, confirmed, rejected) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (minute) DO UPDATE SET orders = orders + excluded.orders, quantity = quantity + excluded.quantity,
       confirmed = confirmed + excluded.confirmed, rejected = rejected + excluded.rejected`,
  );
  const clearTables = ANALYTICS_TABLES.map((table) => db.prepare(`DELETE FROM ${table}`));
  const purgeSeen = db.prepare('DELETE FROM analytics_seen_events WHERE expires_at <= ?');
  const purgeMinutes = db.prepare('DELETE FROM analytics_minutes WHERE minute <= ?');
  const selectTotals = db.prepare('SELECT orders, quantity, confirmed, rejected, updated_at FROM analytics_totals');
  const selectRejections = db.prepare('SELECT reason, rejected FROM analytics_rejections ORDER BY reason');
  const selectProduct = db.prepare(
    'SELECT orders, quantity, confirmed, rejected FROM analytics_products WHERE product_id = ?',
  );
  const topBy = {
    quantity: db.prepare(
      `SELECT product_id, orders, quantity, confirmed, rejected FROM analytics_products WHERE orders > 0
       ORDER BY quantity DESC, product_id ASC LIMIT ?`,
    ),
    orders: db.prepare(
      `SELECT product_id, orders, quantity, confirmed, rejected FROM analytics_products WHERE orders > 0
       ORDER BY orders DESC, product_id ASC LIMIT ?`,
    ),
  };
  const selectMinutes = db.prepare(
    'SELECT minute, orders, quantity, confirmed, rejected FROM analytics_minutes WHERE minute BETWEEN ? AND ?',
  );
  const purge = createPurger(PURGE_INTERVAL_MS, (now) => {
    purgeSeen.run(now);
    purgeMinutes.run(minuteOf(now) - WINDOW_MINUTES);
  });

  /**
   * Claims each event's id in the order given, then adds what the claimed ones increment, summed per row so that a
   * batch writes each total, product and minute once. Runs inside the caller's transaction.
   */
  function countInTransaction(events: readonly CountedEvent[], now: number): boolean[] {
    purge(now);
    const totals: CountsRow = { ...NO_COUNTS };
    const products = new Map<string, CountsRow>();
    const minutes = new Map<number, CountsRow>();
    const rejections = new Map<string, number>();
    const fresh = events.map((event) => {
      if (claim.run(event.id, now + dedupeRetentionMs, now).changes === 0) return false;
      addTo(totals, event.increments);
      addTo(rowOf(products, event.productId), event.increments);
      const minute = bucketMinute(event.time, now);
      if (minute !== undefined) addTo(rowOf(minutes, minute), event.increments);
      if (event.rejectionReason !== undefined) {
        rejections.set(event.rejectionReason, (rejections.get(event.rejectionReason) ?? 0) + 1);
      }
      return true;
    });
    if (!fresh.includes(true)) return fresh;
    addTotals.run(totals.orders, totals.quantity, totals.confirmed, totals.rejected, now);
    for (const [reason, count] of rejections) addRejection.run(reason, count);
    for (const [productId, counts] of products) {
      addProduct.run(productId, counts.orders, counts.quantity, counts.confirmed, counts.rejected);
    }
    for (const [minute, counts] of minutes) {
      addMinute.run(minute, counts.orders, counts.quantity, counts.confirmed, counts.rejected);
    }
    return fresh;
  }

  function ensureOpen(): void {
    ensureSqliteOpen(db, 'analytics');
  }

  return {
    async count(event, now) {
      ensureOpen();
      return immediateTransaction(db, () => countInTransaction([event], now))[0]!;
    },
    async countMany(events, now) {
      ensureOpen();
      if (events.length === 0) return [];
      return immediateTransaction(db, () => countInTransaction(events, now));
    },
    async totals(): Promise<Totals> {
      ensureOpen();
      const row = selectTotals.get() as (CountsRow & { updated_at: number }) | undefined;
      const rejectedByReason: Record<string, number> = {};
      for (const { reason, rejected } of selectRejections.all() as { reason: string; rejected: number }[]) {
        rejectedByReason[reason] = rejected;
      }
      return {
        orders: row?.orders ?? 0,
        quantity: row?.quantity ?? 0,
        confirmed: row?.confirmed ?? 0,
        rejected: row?.rejected ?? 0,
        rejectedByReason,
        updatedAt: row?.updated_at,
      };
    },
    async product(productId) {
      ensureOpen();
      const row = selectProduct.get(productId) as CountsRow | undefined;
      return row === undefined ? undefined : { productId, ...countsOf(row) };
    },
    async topProducts(by, limit): Promise<ProductStats[]> {
      ensureOpen();
      return (topBy[by].all(limit) as ProductRow[]).map((row) => ({
        productId: row.product_id,
        ...countsOf(row),
      }));
    },
    async minuteBuckets(firstMinute, count) {
      ensureOpen();
      const rows = selectMinutes.all(firstMinute, firstMinute + count - 1) as MinuteRow[];
      return denseBuckets(firstMinute, count, new Map(rows.map((row) => [row.minute, countsOf(row)])));
    },
    async clear() {
      ensureOpen();
      immediateTransaction(db, () => {
        for (const statement of clearTables) statement.run();
      });
    },
    async ping() {
      ensureOpen();
      db.prepare('SELECT 1').get();
    },
  };
}

function countsOf(row: CountsRow): Counts {
  return { orders: row.orders, quantity: row.quantity, confirmed: row.confirmed, rejected: row.rejected };
}

const NO_COUNTS: Counts = { orders: 0, quantity: 0, confirmed: 0, rejected: 0 };

function rowOf<K>(rows: Map<K, CountsRow>, key: K): CountsRow {
  let row = rows.get(key);
  if (row === undefined) {
    row = { ...NO_COUNTS };
    rows.set(key, row);
  }
  return row;
}

function addTo(sum: CountsRow, increments: Counts): void {
  sum.orders += increments.orders;
  sum.quantity += increments.quantity;
  sum.confirmed += increments.confirmed;
  sum.rejected += increments.rejected;
}
