import { ConsumerGroups, EventPoisonCodes, Subscriptions } from '@orderflow/contracts';
import {
  type ConsumerMetrics,
  type BrokerCompatibility,
  type ConsumerRunner,
  type KafkaConnection,
  type Logger,
  type RetryPolicy,
  startConsumer,
} from '@orderflow/platform';
import { createAnalyticsBatchHandler, createAnalyticsHandler } from './analytics-handler.ts';
import type { AnalyticsMetrics } from './analytics-metrics.ts';
import type { AnalyticsStore } from './analytics-store.ts';

/** order-topic and stock-topic; stock-topic's stock-changed events are read and ignored. */
export const ANALYTICS_TOPICS = Subscriptions[ConsumerGroups.analytics];

export interface AnalyticsConsumerOptions {
  readonly connection: KafkaConnection;
  readonly store: AnalyticsStore;
  readonly log: Logger;
  /** The runner's consumption counters and the lag gauge GET /stats reports. */
  readonly metrics: ConsumerMetrics;
  readonly analyticsMetrics?: AnalyticsMetrics;
  readonly retry?: Partial<RetryPolicy>;
  /** How often the lag gauge is refreshed. */
  readonly lagIntervalMs?: number;
  readonly shutdownTimeoutMs?: number;
  /** The service's broker check, so its readiness reports a broker too old for the client. */
  readonly brokerCompatibility?: BrokerCompatibility;
  readonly now?: () => number;
}

/** Most events of one partition counted in one store round trip: the runner's maxBatchSize. */
export const EVENT_BATCH_SIZE = 500;

/**
 * Joins the analytics-service group on order-topic and stock-topic and counts every event it is handed, the queued
 * records of a partition together.
 */
export function startAnalyticsConsumer(options: AnalyticsConsumerOptions): Promise<ConsumerRunner> {
  const { connection, store, log, metrics, analyticsMetrics, now } = options;
  const deps = {
    store,
    ...(analyticsMetrics === undefined ? {} : { metrics: analyticsMetrics }),
    ...(now === undefined ? {} : { now }),
  };
  return startConsumer({
    connection,
    groupId: ConsumerGroups.analytics,
    topics: ANALYTICS_TOPICS,
    handler: createAnalyticsHandler(deps),
    handleBatch: createAnalyticsBatchHandler(deps),
    maxBatchSize: EVENT_BATCH_SIZE,
    log,
    metrics,
    poisonCodes: Object.values(EventPoisonCodes),
    ...(options.retry === undefined ? {} : { retry: options.retry }),
    ...(options.lagIntervalMs === undefined ? {} : { lagIntervalMs: options.lagIntervalMs }),
    ...(options.shutdownTimeoutMs === undefined ? {} : { shutdownTimeoutMs: options.shutdownTimeoutMs }),
    ...(options.brokerCompatibility === undefined ? {} : { brokerCompatibility: options.brokerCompatibility }),
  });
}
