import type { NewNotification, Notification } from './notification.ts';

/**
 * The outcome of starting a delivery attempt:
 * - attempt: the notification is PENDING with `attempts` counting this one; deliver it, then markSent/markFailed;
 * - already-sent: it was SENT before (a redelivered event); deliver nothing.
 */
export type AttemptStart =
  | { readonly status: 'attempt'; readonly notification: Notification }
  | { readonly status: 'already-sent'; readonly notification: Notification };

export interface ListQuery {
  readonly orderId?: string;
  readonly limit: number;
}

/**
 * The record of every notification, written before and after each delivery attempt so a redelivered event is
 * delivered at most once per channel once SENT, and a crash mid-delivery leaves a PENDING notification that the
 * redelivery retries. Every operation is atomic across processes. Times are milliseconds since the epoch.
 */
export interface NotificationStore {
  /**
   * Records the notification as PENDING with one more attempt: creates it on first sight, or moves a PENDING or
   * FAILED one (crash, redelivery, replay) back to PENDING. A SENT one is left untouched and reported.
   */
  startAttempt(notification: NewNotification, now: number): Promise<AttemptStart>;
  /** PENDING → SENT with `sentAt`. False, changing nothing, unless the notification is PENDING. */
  markSent(id: string, now: number): Promise<boolean>;
  /** PENDING → FAILED with `reason`. False, changing nothing, unless the notification is PENDING. */
  markFailed(id: string, reason: string, now: number): Promise<boolean>;
  get(id: string, now: number): Promise<Notification | undefined>;
  /** Newest first (by when each was first recorded), optionally only those of one order. */
  list(query: ListQuery, now: number): Promise<Notification[]>;
  /** Resolves when the backend answers; rejects with STORE_UNAVAILABLE otherwise. */
  ping(): Promise<void>;
}

/** The notification store's own settings, on either backend. */
export interface NotificationStoreSettings {
  /** How long a notification is kept, and with it the guarantee that its event is not notified twice. */
  readonly retentionMs: number;
}
