import type { NotificationChannel } from './notification-channel.ts';

/**
 * Delivery is the log line itself. The logger handed in is bound to the notification id, channel, event, order and
 * traceId, so the line carries only what the customer is told. A crash after the line is written but
 * before SENT is recorded writes it again on redelivery: a log cannot deduplicate, unlike a webhook receiver.
 */
export function createLogChannel(): NotificationChannel {
  return Object.freeze<NotificationChannel>({
    name: 'log',
    maxAttempts: 1,
    inProcess: true,
    async deliver(notification, { log }) {
      log.info({ subject: notification.subject, text: notification.message }, 'notification');
    },
  });
}
