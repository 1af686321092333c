import type { AnyCloudEvent } from './cloud-event.ts';
import { type EventType, EventTypes } from './event-catalog.ts';

// Topic, consumer-group and header names live here and nowhere else, so a rename is one edit and a typo is a
// compile error.

export const Topics = { orders: 'order-topic', stock: 'stock-topic' } as const;

export type Topic = (typeof Topics)[keyof typeof Topics];

/** Which topic each event type is published to. */
export const EventTopics: Readonly<Record<EventType, Topic>> = {
  [EventTypes.orderCreated]: Topics.orders,
  [EventTypes.stockReserved]: Topics.stock,
  [EventTypes.stockRejected]: Topics.stock,
  [EventTypes.stockChanged]: Topics.stock,
};

/** One consumer group per service, so each service sees every event once. */
export const ConsumerGroups = {
  order: 'order-service',
  stock: 'stock-service',
  notification: 'notification-service',
  analytics: 'analytics-service',
} as const;

export type ConsumerGroup = (typeof ConsumerGroups)[keyof typeof ConsumerGroups];

/**
 * Which topics each consumer group reads. Deployments create a dead-letter topic for every pair (see
 * @orderflow/platform's deadLetterTopic), and the services subscribe from here, so the two cannot drift apart.
 */
export const Subscriptions: Readonly<Record<ConsumerGroup, readonly Topic[]>> = {
  [ConsumerGroups.order]: [Topics.stock],
  [ConsumerGroups.stock]: [Topics.orders],
  [ConsumerGroups.notification]: [Topics.orders, Topics.stock],
  [ConsumerGroups.analytics]: [Topics.orders, Topics.stock],
};

/**
 * The Kafka message key of an event. Order events are keyed by orderId, so every event about one order lands on one
 * partition in order; stock-changed is keyed by productId, so availability updates of a product stay ordered.
 */
export function partitionKey(event: AnyCloudEvent): string {
  return event.type === EventTypes.stockChanged ? event.data.productId : event.data.orderId;
}

/** Headers of every event message: structured-mode CloudEvents, as the CloudEvents Kafka binding prescribes. */
export const EventHeaders = {
  contentType: 'content-type',
  traceparent: 'traceparent',
} as const;

export const CLOUDEVENTS_CONTENT_TYPE = 'application/cloudevents+json; charset=UTF-8';
