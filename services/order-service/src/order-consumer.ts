import { ConsumerGroups, Subscriptions } from '@orderflow/contracts';
import {
  type BrokerCompatibility,
  type ConsumerMetrics,
  type ConsumerRunner,
  type KafkaConnection,
  type Logger,
  startConsumer,
} from '@orderflow/platform';
import type { OrderStore } from './order-store.ts';
import { createStockEventHandler } from './stock-event-handler.ts';

export const ORDER_TOPICS = Subscriptions[ConsumerGroups.order];

export interface OrderConsumerOptions {
  readonly connection: KafkaConnection;
  readonly store: OrderStore;
  readonly log: Logger;
  readonly metrics: ConsumerMetrics;
  readonly shutdownTimeoutMs?: number;
  readonly brokerCompatibility?: BrokerCompatibility;
}

/**
 * Joins the order-service group on stock-topic: stock-reserved and stock-rejected decide an order, stock-changed
 * updates what is known to be available (stock-event-handler.ts). Uses the runner's shared retry budget.
 */
export function startOrderConsumer(options: OrderConsumerOptions): Promise<ConsumerRunner> {
  const { connection, store, log, metrics } = options;
  return startConsumer({
    connection,
    groupId: ConsumerGroups.order,
    topics: ORDER_TOPICS,
    handler: createStockEventHandler(store),
    log,
    metrics,
    ...(options.shutdownTimeoutMs === undefined ? {} : { shutdownTimeoutMs: options.shutdownTimeoutMs }),
    ...(options.brokerCompatibility === undefined ? {} : { brokerCompatibility: options.brokerCompatibility }),
  });
}
