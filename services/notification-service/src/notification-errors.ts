import { defineErrors } from '@orderflow/platform';

/**
 * notification-service's own error codes. The webhook codes describe one failed attempt and say whether another can
 * succeed; NOTIFICATION_DELIVERY_FAILED is what the consumer runner sees once a channel gave up, and since it is not
 * retriable the runner dead-letters the event at once, with this code and the detail in the record's headers.
 * Query validation and an unreachable store use the platform's codes.
 */
export const NotificationErrors = defineErrors({
  WEBHOOK_UNREACHABLE: { status: 502, title: 'Webhook receiver unreachable', retriable: true },
  WEBHOOK_TIMEOUT: { status: 504, title: 'Webhook receiver did not answer in time', retriable: true },
  /** 408, 425, 429 and 5xx: the receiver is overloaded or broken for now. */
  WEBHOOK_HTTP_ERROR: { status: 502, title: 'Webhook receiver answered with an error', retriable: true },
  /** Any other non-2xx answer (a 400, 401, 404, a redirect): sending the same request again cannot change it. */
  WEBHOOK_REJECTED: { status: 502, title: 'Webhook receiver rejected the notification', retriable: false },
  NOTIFICATION_DELIVERY_FAILED: { status: 502, title: 'Notification could not be delivered', retriable: false },
  /** Shutdown stopped a delivery; the notification stays PENDING and the event is redelivered to a later run. */
  NOTIFICATION_INTERRUPTED: { status: 503, title: 'Notification delivery interrupted', retriable: true },
});

export type NotificationErrorCode = keyof typeof NotificationErrors.definitions;
