import { setTimeout as delay } from 'node:timers/promises';
import type { AnyCloudEvent } from '@orderflow/contracts';
import { continueTraceparent, type Logger, type RetryPolicy, retryDelayMs } from '@orderflow/platform';
import { type NewNotification, notificationId } from './notification.ts';
import type { NotificationChannel } from './notification-channel.ts';
import { NotificationErrors } from './notification-errors.ts';
import type { NotificationMetrics } from './notification-metrics.ts';
import type { NotificationStore } from './notification-store.ts';
import type { RenderedNotification } from './notification-templates.ts';

export interface DispatchContext {
  /** Bound to the event (id, type, orderId) and its traceId; the dispatcher adds notificationId and channel. */
  readonly log: Logger;
  /** The event record's traceparent; each delivery attempt is a child span of it. */
  readonly traceparent: string;
  readonly signal: AbortSignal;
}

export interface NotificationDispatcher {
  /**
   * Delivers `rendered` on every channel, each at most once once SENT. Resolves when every channel delivered (or
   * had delivered before). Rejects with NOTIFICATION_DELIVERY_FAILED (not retriable: dead-letter the event) when a
   * channel gave up, or with a retriable error (store unavailable, shutdown) when the event should come again.
   */
  dispatch(event: AnyCloudEvent, rendered: RenderedNotification, context: DispatchContext): Promise<void>;
}

export interface NotificationDispatcherDeps {
  readonly store: NotificationStore;
  readonly channels: readonly NotificationChannel[];
  /** Pause before the first retry of a channel; doubles per retry up to maxDelayMs, with jitter. */
  readonly backoff: Pick<RetryPolicy, 'initialDelayMs' | 'maxDelayMs'>;
  readonly metrics?: NotificationMetrics;
  readonly now?: () => number;
}

/**
 * Every attempt is recorded before it starts (PENDING, attempts + 1) and its outcome after it (SENT, or FAILED once
 * the channel's attempts are used up), so a crash anywhere leaves either a SENT notification that a redelivery skips
 * or a PENDING one that it retries under the same notification id. Channels are independent: a failing webhook does
 * not hold back the log line, and a redelivery caused by one channel re-sends nothing another already delivered.
 */
export function createNotificationDispatcher(deps: NotificationDispatcherDeps): NotificationDispatcher {
  const { store, channels, backoff, metrics } = deps;
  const now = deps.now ?? Date.now;

  async function deliverOn(
    channel: NotificationChannel,
    event: AnyCloudEvent,
    rendered: RenderedNotification,
    context: DispatchContext,
  ): Promise<void> {
    const { signal } = context;
    const id = notificationId(event.id, channel.name);
    const log = context.log.child({ notificationId: id, channel: channel.name });
    const fresh: NewNotification = {
      id,
      eventId: event.id,
      eventType: event.type,
      orderId: rendered.orderId,
      channel: channel.name,
      subject: rendered.subject,
      message: rendered.message,
    };
    const policy: RetryPolicy = { maxAttempts: channel.maxAttempts, ...backoff };
    for (let attempt = 1; ; attempt++) {
      const started = await store.startAttempt(fresh, now());
      const notification = started.notification;
      if (started.status === 'already-sent') {
        metrics?.notifications.inc({ channel: channel.name, status: 'skipped' });
        log.info({ sentAt: notification.sentAt }, 'notification already sent, skipped');
        return;
      }
      try {
        const traceparent = continueTraceparent(context.traceparent);
        await channel.deliver(notification, { event, log, traceparent, signal });
      } catch (error) {
        metrics?.deliveryAttempts.inc({ channel: channel.name, outcome: 'failure' });
        if (signal.aborted) throw interrupted(id, error);
        const reason = error instanceof Error ? error.message : String(error);
        const retriable = (error as { retriable?: unknown }).retriable !== false;
        if (retriable && attempt < policy.maxAttempts) {
          const retryInMs = retryDelayMs(attempt, policy);
          log.warn(
            { err: error, attempts: notification.attempts, retryInMs },
            'notification delivery failed, will retry',
          );
          try {
            await delay(retryInMs, undefined, { signal });
          } catch {
            throw interrupted(id, error);
          }
          continue;
        }
        await store.markFailed(id, reason, now());
        metrics?.notifications.inc({ channel: channel.name, status: 'failed' });
        log.error({ err: error, attempts: notification.attempts }, 'notification failed');
        throw NotificationErrors.create(
          'NOTIFICATION_DELIVERY_FAILED',
          `${channel.name} notification ${id} failed after ${plural(notification.attempts, 'attempt')}: ${reason}`,
          { cause: error },
        );
      }
      metrics?.deliveryAttempts.inc({ channel: channel.name, outcome: 'success' });
      // False only when a concurrent delivery of the same event (a rebalance overlap) recorded it first.
      await store.markSent(id, now());
      metrics?.notifications.inc({ channel: channel.name, status: 'sent' });
      log.info({ attempts: notification.attempts }, 'notification sent');
      return;
    }
  }

  return Object.freeze<NotificationDispatcher>({
    async dispatch(event, rendered, context) {
      const outcomes = await Promise.allSettled(
        channels.map((channel) => deliverOn(channel, event, rendered, context)),
      );
      const errors = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as unknown] : []));
      if (errors.length === 0) return;
      // A retriable failure means the whole event should come again; channels already SENT will be skipped then.
      const retriable = errors.find((error) => (error as { retriable?: unknown }).retriable !== false);
      if (retriable !== undefined || errors.length === 1) throw retriable ?? errors[0];
      throw NotificationErrors.create(
        'NOTIFICATION_DELIVERY_FAILED',
        errors.map((error) => (error as Error).message).join('; '),
      );
    },
  });
}

function interrupted(id: string, cause: unknown): Error {
  return NotificationErrors.create('NOTIFICATION_INTERRUPTED', `delivery of ${id} interrupted by shutdown`, { cause });
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
