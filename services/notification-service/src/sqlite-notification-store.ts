import type { EventType } from '@orderflow/contracts';
import { createPurger, ensureSqliteOpen, immediateTransaction, type SqliteStoreConnection } from '@orderflow/platform';
import type { ChannelName, NewNotification, Notification, NotificationStatus } from './notification.ts';
import type { AttemptStart, ListQuery, NotificationStore, NotificationStoreSettings } from './notification-store.ts';

// Same model as the Redis store: one row per notification with an expiry, ordered by an AUTOINCREMENT sequence
// (never reused, so "newest first" holds even after rows are purged). Writes that read first run in one
// BEGIN IMMEDIATE transaction, which serialises writers across connections and processes sharing the file.

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS notifications (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    order_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    subject TEXT NOT NULL,
    message TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('PENDING', 'SENT', 'FAILED')),
    attempts INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    sent_at INTEGER,
    failure_reason TEXT,
    expires_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX IF NOT EXISTS notifications_by_order ON notifications (order_id, seq);
  CREATE INDEX IF NOT EXISTS notifications_by_expiry ON notifications (expires_at);
`;

const COLUMNS =
  'id, event_id, event_type, order_id, channel, subject, message, status, attempts, created_at, sent_at, failure_reason';

const PURGE_INTERVAL_MS = 60_000;

interface Row {
  id: string;
  event_id: string;
  event_type: string;
  order_id: string;
  channel: string;
  subject: string;
  message: string;
  status: string;
  attempts: number;
  created_at: number;
  sent_at: number | null;
  failure_reason: string | null;
}

export type SqliteNotificationStoreOptions = Pick<SqliteStoreConnection, 'db'> & NotificationStoreSettings;

/** Creates its table if needed. The connection stays the platform store's, which closes it. */
export function createSqliteNotificationStore(options: SqliteNotificationStoreOptions): NotificationStore {
  const { db, retentionMs } = options;
  db.exec(SCHEMA);
  const dropExpired = db.prepare('DELETE FROM notifications WHERE id = ? AND expires_at <= ?');
  const find = db.prepare(`SELECT ${COLUMNS} FROM notifications WHERE id = ? AND expires_at > ?`);
  const create = db.prepare(
    `INSERT INTO notifications
       (id, event_id, event_type, order_id, channel, subject, message, status, attempts, created_at, expires_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, 'PENDING', 1, ?, ?)
     RETURNING ${COLUMNS}`,
  );
  const reattempt = db.prepare(
    `UPDATE notifications SET status = 'PENDING', attempts = attempts + 1, failure_reason = NULL
     WHERE id = ? RETURNING ${COLUMNS}`,
  );
  const markSent = db.prepare(
    `UPDATE notifications SET status = 'SENT', sent_at = ?
     WHERE id = ? AND status = 'PENDING' AND expires_at > ?`,
  );
  const markFailed = db.prepare(
    `UPDATE notifications SET status = 'FAILED', failure_reason = ?
     WHERE id = ? AND status = 'PENDING' AND expires_at > ?`,
  );
  const listAll = db.prepare(`SELECT ${COLUMNS} FROM notifications WHERE expires_at > ? ORDER BY seq DESC LIMIT ?`);
  const listByOrder = db.prepare(
    `SELECT ${COLUMNS} FROM notifications WHERE order_id = ? AND expires_at > ? ORDER BY seq DESC LIMIT ?`,
  );
  const purgeExpired = db.prepare('DELETE FROM notifications WHERE expires_at <= ?');
  const purge = createPurger(PURGE_INTERVAL_MS, (at) => purgeExpired.run(at));

  function ensureOpen(): void {
    ensureSqliteOpen(db, 'notification');
  }

  return {
    async startAttempt(notification: NewNotification, now: number): Promise<AttemptStart> {
      ensureOpen();
      purge(now);
      const { id, eventId, eventType, orderId, channel, subject, message } = notification;
      return immediateTransaction(db, (): AttemptStart => {
        dropExpired.run(id, now);
        const existing = find.get(id, now) as unknown as Row | undefined;
        if (existing?.status === 'SENT') return { status: 'already-sent', notification: toNotification(existing) };
        const row = (existing === undefined
          ? create.get(id, eventId, eventType, orderId, channel, subject, message, now, now + retentionMs)
          : reattempt.get(id)) as unknown as Row;
        return { status: 'attempt', notification: toNotification(row) };
      });
    },
    async markSent(id, now) {
      ensureOpen();
      return markSent.run(now, id, now).changes === 1;
    },
    async markFailed(id, reason, now) {
      ensureOpen();
      return markFailed.run(reason, id, now).changes === 1;
    },
    async get(id, now) {
      ensureOpen();
      const row = find.get(id, now) as unknown as Row | undefined;
      return row === undefined ? undefined : toNotification(row);
    },
    async list(query: ListQuery, now: number) {
      ensureOpen();
      const rows =
        query.orderId === undefined ? listAll.all(now, query.limit) : listByOrder.all(query.orderId, now, query.limit);
      return (rows as unknown as Row[]).map(toNotification);
    },
    async ping() {
      ensureOpen();
      db.prepare('SELECT 1').get();
    },
  };
}

function toNotification(row: Row): Notification {
  return {
    id: row.id,
    eventId: row.event_id,
    eventType: row.event_type as EventType,
    orderId: row.order_id,
    channel: row.channel as ChannelName,
    subject: row.subject,
    message: row.message,
    status: row.status as NotificationStatus,
    attempts: row.attempts,
    createdAt: new Date(row.created_at).toISOString(),
    ...(row.sent_at === null ? {} : { sentAt: new Date(row.sent_at).toISOString() }),
    ...(row.failure_reason === null ? {} : { failureReason: row.failure_reason }),
  };
}
