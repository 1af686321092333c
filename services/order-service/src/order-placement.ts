import { randomUUID } from 'node:crypto';
import { createEvent, type EventRecord, EventTypes, eventRecord } from '@orderflow/contracts';
import { type EventProducer, type Logger, PlatformErrors, type PublishOutcomeUnknownError } from '@orderflow/platform';
import { requestHash } from './canonical-json.ts';
import type { AcceptedOrder } from './order.ts';
import { orderLocation, pendingOrder } from './order.ts';
import type { OrderSettings } from './order-config.ts';
import { OrderErrors } from './order-errors.ts';
import type { CreateOrderBody } from './order-schemas.ts';
import type { OrderStore, StoredResponse } from './order-store.ts';
import type { PublishHealth } from './publish-health.ts';

export const EVENT_SOURCE = '/orderflow/order-service';

const IN_PROGRESS_RETRY_AFTER_SECONDS = 1;
const KAFKA_RETRY_AFTER_SECONDS = 5;
// A claim must outlive the publish it guards, including a late acknowledgement after the publish timeout (the
// client's own retries): if it lapsed first, a retry could publish the same order again.
const CLAIM_MARGIN_MS = 5 * 60_000;

/**
 * The order-topic record announcing an accepted order: order-created, keyed by orderId, continuing the request's
 * trace; with the event's id, for the log.
 */
export function orderCreatedRecord(
  accepted: AcceptedOrder,
  traceparent: string,
): { readonly eventId: string; readonly record: EventRecord } {
  const event = createEvent(EventTypes.orderCreated, accepted, { source: EVENT_SOURCE, traceparent });
  return { eventId: event.id, record: eventRecord(event) };
}

export interface OrderPlacementDeps {
  readonly store: OrderStore;
  readonly producer: Pick<EventProducer, 'publish'>;
  readonly publishHealth: PublishHealth;
  readonly settings: Pick<OrderSettings, 'IDEMPOTENCY_TTL' | 'KAFKA_PUBLISH_TIMEOUT'>;
}

export interface PlaceOrderRequest {
  readonly body: CreateOrderBody;
  readonly idempotencyKey: string | undefined;
  /** The span of this request; the event carries it and the Kafka record continues it. */
  readonly traceparent: string;
  readonly log: Logger;
}

export interface PlacedOrder {
  readonly response: StoredResponse;
  /** True when this is the stored answer to an earlier request with the same key. */
  readonly replayed: boolean;
}

export type PlaceOrder = (request: PlaceOrderRequest) => Promise<PlacedOrder>;

/**
 * Accepts an order: claims its idempotency keys (and checks the product is not known to be sold out) in one store
 * operation, publishes order-created, and only once the broker acknowledged records the order and the response in
 * a second one. A failed publish releases the claim, so the client's retry runs afresh; a claim can only be
 * completed by the request that holds it, so one key never publishes twice.
 */
export function createOrderPlacement(deps: OrderPlacementDeps): PlaceOrder {
  const { store, producer, publishHealth, settings } = deps;
  const claimTtlMs = settings.KAFKA_PUBLISH_TIMEOUT + CLAIM_MARGIN_MS;

  return async ({ body, idempotencyKey, traceparent, log }) => {
    const hash = requestHash(body);
    // Both are claimed when both are given: the client's key makes retries safe, the order id keeps one order per
    // id even across different keys.
    const keys = [
      ...(idempotencyKey === undefined ? [] : [`key:${idempotencyKey}`]),
      ...(body.orderId === undefined ? [] : [`order:${body.orderId}`]),
    ];
    const admission = await store.admit({ keys, requestHash: hash, productId: body.productId, claimTtlMs });
    switch (admission.status) {
      case 'replay':
        log.info({ orderId: admission.response.body.orderId }, 'order request replayed');
        return { response: admission.response, replayed: true };
      case 'mismatch':
        throw OrderErrors.create('IDEMPOTENCY_KEY_REUSED', mismatchDetail(admission.key));
      case 'in-flight':
        throw OrderErrors.create(
          'REQUEST_IN_PROGRESS',
          'A request with the same key is still being processed; retry to get its response',
          { retryAfterSeconds: IN_PROGRESS_RETRY_AFTER_SECONDS },
        );
      case 'out-of-stock':
        throw OrderErrors.create('OUT_OF_STOCK', `Product ${body.productId} is out of stock`);
      case 'admitted':
        break;
    }

    const accepted: AcceptedOrder = {
      orderId: body.orderId ?? randomUUID(),
      productId: body.productId,
      quantity: body.quantity,
      ...(body.customerId === undefined ? {} : { customerId: body.customerId }),
      createdAt: new Date().toISOString(),
    };
    const orderLog = log.child({ orderId: accepted.orderId });
    const { eventId, record } = orderCreatedRecord(accepted, traceparent);
    try {
      await producer.publish(record.topic, record);
    } catch (error) {
      if (PlatformErrors.is(error, 'KAFKA_PUBLISH_OUTCOME_UNKNOWN')) {
        // The event may still be written. Releasing the claim now would let the client's retry publish a second
        // order-created for the same key, so the claim stays in flight (retries get 409) until the broker's late
        // answer decides: written → the order is recorded and a retry replays 202; not written → released.
        (error as PublishOutcomeUnknownError).outcome.then(
          () => recordAcceptance(accepted, keys, hash, orderLog),
          () => releaseClaim(keys, hash, orderLog),
        );
      } else {
        await releaseClaim(keys, hash, orderLog);
      }
      if (PlatformErrors.is(error, 'KAFKA_RECORD_REJECTED')) throw error;
      publishHealth.failed(error);
      orderLog.warn({ err: error }, 'order not accepted: publish failed');
      throw PlatformErrors.create(
        'KAFKA_UNAVAILABLE',
        'The order could not be handed to Kafka and was not accepted; retry later',
        { retryAfterSeconds: KAFKA_RETRY_AFTER_SECONDS, cause: error },
      );
    }
    publishHealth.succeeded();
    const response = await recordAcceptance(accepted, keys, hash, orderLog);
    orderLog.info({ productId: accepted.productId, quantity: accepted.quantity, eventId }, 'order accepted');
    return { response, replayed: false };
  };

  /** Records an acknowledged order and completes its claim, so a retry replays this 202. */
  async function recordAcceptance(
    accepted: AcceptedOrder,
    keys: readonly string[],
    requestHash: string,
    orderLog: Logger,
  ): Promise<StoredResponse> {
    const response: StoredResponse = {
      statusCode: 202,
      location: orderLocation(accepted.orderId),
      body: pendingOrder(accepted),
    };
    try {
      await store.accept(accepted, { keys, requestHash, response, ttlMs: settings.IDEMPOTENCY_TTL });
    } catch (error) {
      // The event is durable in Kafka, so the order is accepted and the client is told so. The order appears once
      // its stock decision arrives; the claim lapses on its own.
      orderLog.error({ err: error }, 'order published but not recorded');
    }
    return response;
  }

  async function releaseClaim(keys: readonly string[], requestHash: string, orderLog: Logger): Promise<void> {
    await store
      .release(keys, requestHash)
      .catch((releaseError: unknown) =>
        orderLog.error({ err: releaseError, keys }, 'idempotency claim not released; it lapses on its own'),
      );
  }
}

function mismatchDetail(key: string): string {
  return key.startsWith('order:')
    ? `Order id ${key.slice('order:'.length)} was already used for a different order`
    : 'This Idempotency-Key was already used with a different request body';
}
