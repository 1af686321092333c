import { ConsumerGroups, EventPoisonCodes, Subscriptions } from '@orderflow/contracts';
import {
  type BrokerCompatibility,
  type ConsumerRunner,
  type KafkaConnection,
  type Logger,
  type Metrics,
  type RetryPolicy,
  startConsumer,
} from '@orderflow/platform';
import type { NotificationChannel } from './notification-channel.ts';
import { createNotificationDispatcher } from './notification-dispatcher.ts';
import {
  createNotificationBatchHandler,
  createNotificationHandler,
  NOTIFICATION_BATCH_SIZE,
} from './notification-handler.ts';
import type { NotificationMetrics } from './notification-metrics.ts';
import type { NotificationStore } from './notification-store.ts';

export interface NotificationConsumerOptions {
  readonly connection: KafkaConnection;
  readonly store: NotificationStore;
  readonly channels: readonly NotificationChannel[];
  /** Pause before a channel's first retry; doubles per retry up to maxDelayMs. */
  readonly backoff: Pick<RetryPolicy, 'initialDelayMs' | 'maxDelayMs'>;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly notificationMetrics: NotificationMetrics;
  /** Tests only: services use the runner's shared retry budget. */
  readonly retry?: Partial<RetryPolicy>;
  readonly shutdownTimeoutMs?: number;
  /** The service's broker check, so its readiness reports a broker too old for the client. */
  readonly brokerCompatibility?: BrokerCompatibility;
}

/** Joins the notification-service group on order-topic and stock-topic; resolves once the group is joined. */
export function startNotificationConsumer(options: NotificationConsumerOptions): Promise<ConsumerRunner> {
  const { connection, store, channels, backoff, log, metrics, notificationMetrics } = options;
  const dispatcher = createNotificationDispatcher({ store, channels, backoff, metrics: notificationMetrics });
  return startConsumer({
    connection,
    groupId: ConsumerGroups.notification,
    topics: Subscriptions[ConsumerGroups.notification],
    handler: createNotificationHandler(dispatcher),
    // A failed batch is handed to the per-record handler, which would start a remote channel's retries over again:
    // the webhook's attempts would double and its receiver would see the backoff twice. So events are dispatched a
    // batch at a time only when every channel delivers in this process.
    ...(channels.every((channel) => channel.inProcess)
      ? { handleBatch: createNotificationBatchHandler(dispatcher), maxBatchSize: NOTIFICATION_BATCH_SIZE }
      : {}),
    log,
    metrics,
    ...(options.retry === undefined ? {} : { retry: options.retry }),
    poisonCodes: Object.values(EventPoisonCodes),
    ...(options.shutdownTimeoutMs === undefined ? {} : { shutdownTimeoutMs: options.shutdownTimeoutMs }),
    ...(options.brokerCompatibility === undefined ? {} : { brokerCompatibility: options.brokerCompatibility }),
  });
}
