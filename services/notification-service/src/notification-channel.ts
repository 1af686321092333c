import type { AnyCloudEvent } from '@orderflow/contracts';
import type { Logger } from '@orderflow/platform';
import type { ChannelName, Notification } from './notification.ts';

export interface DeliveryContext {
  /** The event the notification is about. */
  readonly event: AnyCloudEvent;
  /** Bound to the record and its traceId. */
  readonly log: Logger;
  /** The W3C traceparent of this delivery, a child of the event's. */
  readonly traceparent: string;
  /** Aborted when shutdown stops waiting; a delivery then gives up and the event is redelivered later. */
  readonly signal: AbortSignal;
}

/**
 * Somewhere a notification is delivered. deliver() makes one attempt and resolves once the notification arrived;
 * it rejects with an error whose `retriable` says whether another attempt can succeed.
 */
export interface NotificationChannel {
  readonly name: ChannelName;
  /** Attempts per event before the notification is FAILED, the first one included. */
  readonly maxAttempts: number;
  /**
   * True when delivery stays in this process (the log): it does not wait on anyone, back off or give up, so the
   * events of a batch can be dispatched together (see notification-consumer.ts).
   */
  readonly inProcess: boolean;
  deliver(notification: Notification, context: DeliveryContext): Promise<void>;
}
