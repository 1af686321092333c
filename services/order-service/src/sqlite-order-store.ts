import {
  type Clock,
  createPurger,
  ensureSqliteOpen,
  immediateTransaction,
  parseStoredJson,
  type SqliteStoreConnection,
} from '@orderflow/platform';
import type { Order, OrderHistoryEntry, OrderStatus } from './order.ts';
import type { Admission, OrderStore, OrderStoreSettings, StoredResponse } from './order-store.ts';

// The same semantics as the Redis store, each operation one transaction. History rows are numbered: 0 is the
// acceptance (PENDING), 1 the stock decision; the primary key makes each appear at most once, and an acceptance that
// arrives after the decision still sorts first.

interface OrderRow {
  order_id: string;
  product_id: string;
  quantity: number;
  customer_id: string | null;
  accepted: number;
  status: OrderStatus;
  reason: string | null;
  created_at: string;
  updated_at: string;
}

interface RequestRow {
  state: 'in-flight' | 'completed';
  request_hash: string;
  response: string | null;
}

const PURGE_INTERVAL_MS = 60_000;
const ACCEPTED_SEQ = 0;
const DECIDED_SEQ = 1;

export type SqliteOrderStoreOptions = Pick<SqliteStoreConnection, 'db'> &
  OrderStoreSettings & {
    /** The clock expiry is measured against; injectable so tests need not wait. */
    readonly now?: Clock;
  };

/** Creates its tables if needed. The connection stays the platform store's, which closes it. */
export function createSqliteOrderStore(options: SqliteOrderStoreOptions): OrderStore {
  const { db, availabilityTtlMs, orderRetentionMs, now = Date.now } = options;
  db.exec(`
    CREATE TABLE IF NOT EXISTS orders (
      order_id TEXT PRIMARY KEY,
      product_id TEXT NOT NULL,
      quantity INTEGER NOT NULL,
      customer_id TEXT,
      accepted INTEGER NOT NULL,
      status TEXT NOT NULL,
      reason TEXT,
      created_at TEXT NOT NULL,
      created_at_ms INTEGER NOT NULL,
      updated_at TEXT NOT NULL
    ) STRICT;
    CREATE INDEX IF NOT EXISTS orders_by_creation ON orders (created_at_ms, order_id);
    CREATE INDEX IF NOT EXISTS orders_by_status ON orders (status, created_at_ms, order_id);
    CREATE TABLE IF NOT EXISTS order_history (
      order_id TEXT NOT NULL REFERENCES orders (order_id) ON DELETE CASCADE,
      seq INTEGER NOT NULL,
      entry TEXT NOT NULL,
      PRIMARY KEY (order_id, seq)
    ) STRICT;
    CREATE TABLE IF NOT EXISTS order_requests (
      key TEXT PRIMARY KEY,
      state TEXT NOT NULL,
      request_hash TEXT NOT NULL,
      response TEXT,
      expires_at INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX IF NOT EXISTS order_requests_by_expiry ON order_requests (expires_at);
    CREATE TABLE IF NOT EXISTS product_availability (
      product_id TEXT PRIMARY KEY,
      available INTEGER NOT NULL,
      at_ms INTEGER NOT NULL,
      expires_at INTEGER NOT NULL
    ) STRICT;
  `);

  const selectRequest = db.prepare(
    'SELECT state, request_hash, response FROM order_requests WHERE key = ? AND expires_at > ?',
  );
  const claimRequest = db.prepare(
    `INSERT OR REPLACE INTO order_requests (key, state, request_hash, response, expires_at)
     VALUES (?, 'in-flight', ?, NULL, ?)`,
  );
  const completeRequest = db.prepare(
    `UPDATE order_requests SET state = 'completed', response = ?, expires_at = ?
     WHERE key = ? AND state = 'in-flight' AND request_hash = ? AND expires_at > ?`,
  );
  const releaseRequest = db.prepare(
    "DELETE FROM order_requests WHERE key = ? AND state = 'in-flight' AND request_hash = ? AND expires_at > ?",
  );
  const selectAvailable = db.prepare(
    'SELECT available FROM product_availability WHERE product_id = ? AND expires_at > ?',
  );
  const upsertAvailable = db.prepare(
    `INSERT INTO product_availability (product_id, available, at_ms, expires_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (product_id) DO UPDATE
     SET available = excluded.available, at_ms = excluded.at_ms, expires_at = excluded.expires_at
     WHERE excluded.at_ms >= product_availability.at_ms OR product_availability.expires_at <= ?`,
  );
  const selectOrder = db.prepare('SELECT * FROM orders WHERE order_id = ?');
  const insertOrder = db.prepare(
    `INSERT INTO orders (order_id, product_id, quantity, customer_id, accepted, status, reason, created_at,
       created_at_ms, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const completeProvisional = db.prepare(
    `UPDATE orders SET product_id = ?, quantity = ?, customer_id = ?, accepted = 1, created_at = ?, created_at_ms = ?
     WHERE order_id = ?`,
  );
  const decide = db.prepare('UPDATE orders SET status = ?, reason = ?, updated_at = ? WHERE order_id = ?');
  const insertHistory = db.prepare('INSERT OR IGNORE INTO order_history (order_id, seq, entry) VALUES (?, ?, ?)');
  const selectHistory = db.prepare('SELECT entry FROM order_history WHERE order_id = ? ORDER BY seq');
  const listAll = db.prepare('SELECT * FROM orders ORDER BY created_at_ms DESC, order_id DESC LIMIT ?');
  const listByStatus = db.prepare(
    'SELECT * FROM orders WHERE status = ? ORDER BY created_at_ms DESC, order_id DESC LIMIT ?',
  );
  const purgeOrders = db.prepare('DELETE FROM orders WHERE created_at_ms < ?');
  const purgeRequests = db.prepare('DELETE FROM order_requests WHERE expires_at <= ?');
  const purgeAvailability = db.prepare('DELETE FROM product_availability WHERE expires_at <= ?');
  const purge = createPurger(PURGE_INTERVAL_MS, (at) => {
    purgeOrders.run(at - orderRetentionMs);
    purgeRequests.run(at);
    purgeAvailability.run(at);
  });

  function recordAvailability(productId: string, available: number, atMs: number, at: number): void {
    upsertAvailable.run(productId, available, atMs, at + availabilityTtlMs, at);
  }

  function toOrder(row: OrderRow): Order {
    const history = (selectHistory.all(row.order_id) as { entry: string }[]).map(({ entry }) =>
      parseStoredJson<OrderHistoryEntry>(entry, `history of order ${row.order_id}`),
    );
    return {
      orderId: row.order_id,
      productId: row.product_id,
      quantity: row.quantity,
      ...(row.customer_id === null ? {} : { customerId: row.customer_id }),
      status: row.status,
      ...(row.reason === null ? {} : { reason: row.reason }),
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      history,
    };
  }

  function ensureOpen(): void {
    ensureSqliteOpen(db, 'order');
  }

  return {
    async admit({ keys, requestHash, productId, claimTtlMs }) {
      ensureOpen();
      const at = now();
      return immediateTransaction(db, (): Admission => {
        for (const key of keys) {
          const row = selectRequest.get(key, at) as RequestRow | undefined;
          if (row === undefined) continue;
          if (row.request_hash !== requestHash) return { status: 'mismatch', key };
          if (row.state === 'completed') {
            return {
              status: 'replay',
              key,
              response: parseStoredJson<StoredResponse>(row.response, `response for ${key}`),
            };
          }
          return { status: 'in-flight', key };
        }
        const known = selectAvailable.get(productId, at) as { available: number } | undefined;
        if (known?.available === 0) return { status: 'out-of-stock' };
        for (const key of keys) claimRequest.run(key, requestHash, at + claimTtlMs);
        return { status: 'admitted' };
      });
    },

    async accept(order, { keys, requestHash, response, ttlMs }) {
      ensureOpen();
      const at = now();
      purge(at);
      const createdAtMs = Date.parse(order.createdAt);
      immediateTransaction(db, () => {
        const row = selectOrder.get(order.orderId) as OrderRow | undefined;
        if (row === undefined) {
          insertOrder.run(
            order.orderId,
            order.productId,
            order.quantity,
            order.customerId ?? null,
            1,
            'PENDING',
            null,
            order.createdAt,
            createdAtMs,
            order.createdAt,
          );
        } else if (row.accepted === 0) {
          completeProvisional.run(
            order.productId,
            order.quantity,
            order.customerId ?? null,
            order.createdAt,
            createdAtMs,
            order.orderId,
          );
        }
        if (row === undefined || row.accepted === 0) {
          const entry: OrderHistoryEntry = { status: 'PENDING', at: order.createdAt };
          insertHistory.run(order.orderId, ACCEPTED_SEQ, JSON.stringify(entry));
        }
        const stored = JSON.stringify(response);
        for (const key of keys) completeRequest.run(stored, at + ttlMs, key, requestHash, at);
      });
    },

    async release(keys, requestHash) {
      ensureOpen();
      if (keys.length === 0) return;
      const at = now();
      immediateTransaction(db, () => {
        for (const key of keys) releaseRequest.run(key, requestHash, at);
      });
    },

    async recordStockOutcome(outcome) {
      ensureOpen();
      const at = now();
      const atMs = Date.parse(outcome.at);
      const entry: OrderHistoryEntry = {
        status: outcome.status,
        at: outcome.at,
        ...(outcome.reason === undefined ? {} : { reason: outcome.reason }),
        eventId: outcome.eventId,
      };
      return immediateTransaction(db, () => {
        const row = selectOrder.get(outcome.orderId) as OrderRow | undefined;
        let changed = false;
        if (row === undefined) {
          insertOrder.run(
            outcome.orderId,
            outcome.productId,
            outcome.quantity,
            null,
            0,
            outcome.status,
            outcome.reason ?? null,
            outcome.at,
            atMs,
            outcome.at,
          );
          changed = true;
        } else if (row.status === 'PENDING') {
          decide.run(outcome.status, outcome.reason ?? null, outcome.at, outcome.orderId);
          changed = true;
        }
        if (changed) insertHistory.run(outcome.orderId, DECIDED_SEQ, JSON.stringify(entry));
        if (outcome.available !== undefined) recordAvailability(outcome.productId, outcome.available, atMs, at);
        return changed;
      });
    },

    async recordAvailability({ productId, available, at }) {
      ensureOpen();
      recordAvailability(productId, available, Date.parse(at), now());
    },

    async availability(productId) {
      ensureOpen();
      const row = selectAvailable.get(productId, now()) as { available: number } | undefined;
      return row?.available;
    },

    async get(orderId) {
      ensureOpen();
      const row = selectOrder.get(orderId) as OrderRow | undefined;
      return row === undefined ? undefined : toOrder(row);
    },

    async list({ status, limit }) {
      ensureOpen();
      const rows = (status === undefined
        ? listAll.all(limit)
        : listByStatus.all(status, limit)) as unknown as OrderRow[];
      return rows.map(toOrder);
    },

    async ping() {
      ensureOpen();
      db.prepare('SELECT 1').get();
    },
  };
}
