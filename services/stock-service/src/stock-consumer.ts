import { ConsumerGroups, EventPoisonCodes, Subscriptions } from '@orderflow/contracts';
import {
  type BrokerCompatibility,
  type ConsumerRunner,
  type EventProducer,
  type KafkaConnection,
  type Logger,
  type Metrics,
  startConsumer,
} from '@orderflow/platform';
import { createReservationBatchHandler, createReservationHandler, ORDER_BATCH_SIZE } from './reservation-handler.ts';
import type { StockMetrics } from './stock-metrics.ts';
import type { StockStore } from './stock-store.ts';

export const STOCK_TOPICS = Subscriptions[ConsumerGroups.stock];

export interface StockConsumerOptions {
  readonly connection: KafkaConnection;
  readonly store: StockStore;
  /** Publishes each reservation's outcome on stock-topic. */
  readonly producer: EventProducer;
  readonly log: Logger;
  readonly metrics: Metrics;
  /** Made once per process: a registry refuses a second metric of the same name. */
  readonly stockMetrics: StockMetrics;
  readonly shutdownTimeoutMs?: number;
  readonly brokerCompatibility?: BrokerCompatibility;
}

/**
 * Joins the stock-service group on order-topic: each order-created event reserves stock (reservation-handler.ts),
 * the queued events of a partition in one store round trip.
 */
export function startStockConsumer(options: StockConsumerOptions): Promise<ConsumerRunner> {
  const { connection, store, producer, log, metrics } = options;
  const deps = { store, producer, metrics: options.stockMetrics };
  return startConsumer({
    connection,
    groupId: ConsumerGroups.stock,
    topics: STOCK_TOPICS,
    handler: createReservationHandler(deps),
    handleBatch: createReservationBatchHandler(deps),
    maxBatchSize: ORDER_BATCH_SIZE,
    log,
    metrics,
    poisonCodes: Object.values(EventPoisonCodes),
    ...(options.shutdownTimeoutMs === undefined ? {} : { shutdownTimeoutMs: options.shutdownTimeoutMs }),
    ...(options.brokerCompatibility === undefined ? {} : { brokerCompatibility: options.brokerCompatibility }),
  });
}
