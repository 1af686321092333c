import { Counter, type Registry } from 'prom-client';

export interface NotificationMetrics {
  /** Notifications by channel and final status: sent, failed, or skipped (already sent when the event came again). */
  readonly notifications: Counter<'channel' | 'status'>;
  /** Every delivery attempt by channel and outcome (success, failure), retries included. */
  readonly deliveryAttempts: Counter<'channel' | 'outcome'>;
}

export function createNotificationMetrics(registry: Registry): NotificationMetrics {
  return Object.freeze({
    notifications: new Counter({
      name: 'orderflow_notifications_total',
      help: 'Notifications by channel and status (sent, failed, skipped)',
      labelNames: ['channel', 'status'] as const,
      registers: [registry],
    }),
    deliveryAttempts: new Counter({
      name: 'orderflow_notification_delivery_attempts_total',
      help: 'Notification delivery attempts by channel and outcome (success, failure)',
      labelNames: ['channel', 'outcome'] as const,
      registers: [registry],
    }),
  });
}
