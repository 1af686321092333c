import type { EventType } from '@orderflow/contracts';

// A notification is one rendered message for one event on one channel. Its id is `<event id>:<channel>`, so a
// redelivered event maps onto the notification it already has instead of creating another.

export const ChannelNames = ['log', 'webhook'] as const;

export type ChannelName = (typeof ChannelNames)[number];

/**
 * PENDING: recorded, a delivery attempt is under way or was interrupted (a crash); retried on redelivery.
 * SENT: delivered; a redelivered event skips it. FAILED: given up after the channel's attempts; retried only when
 * the event arrives again (a redelivery, or a replay from the dead-letter topic after the receiver was fixed).
 */
export const NotificationStatuses = ['PENDING', 'SENT', 'FAILED'] as const;

export type NotificationStatus = (typeof NotificationStatuses)[number];

/** What is recorded before the first delivery attempt. */
export interface NewNotification {
  readonly id: string;
  readonly eventId: string;
  readonly eventType: EventType;
  readonly orderId: string;
  readonly channel: ChannelName;
  readonly subject: string;
  readonly message: string;
}

export interface Notification extends NewNotification {
  readonly status: NotificationStatus;
  /** Delivery attempts started, across redeliveries of the event. */
  readonly attempts: number;
  /** RFC 3339. */
  readonly createdAt: string;
  /** RFC 3339, once SENT. */
  readonly sentAt?: string;
  /** Why the last attempt failed, once FAILED. */
  readonly failureReason?: string;
}

export function notificationId(eventId: string, channel: ChannelName): string {
  return `${eventId}:${channel}`;
}
