import { decodeEvent, EventTypes } from '@orderflow/contracts';
import {
  type BatchHandler,
  type ConsumedRecord,
  type EventProducer,
  type Logger,
  PoisonEventError,
  type RecordHandler,
} from '@orderflow/platform';
import { publishEvents } from './event-publisher.ts';
import { reservationEvents } from './stock-events.ts';
import type { StockMetrics } from './stock-metrics.ts';
import type { ReservationRequest, ReservationResult, StockStore } from './stock-store.ts';

export interface ReservationHandlerDeps {
  readonly store: StockStore;
  readonly producer: EventProducer;
  readonly metrics?: StockMetrics;
  readonly now?: () => number;
}

/** Most orders of one partition handed to the batch handler at once: the runner's maxBatchSize. */
export const ORDER_BATCH_SIZE = 500;
/** Most events one batch publishes (stock-reserved and stock-changed per order), so they fit one produce request. */
export const EVENTS_PER_BATCH = 2 * ORDER_BATCH_SIZE;

interface Decided {
  readonly record: ConsumedRecord;
  readonly result: ReservationResult;
}

interface Outcome {
  readonly decided: Decided[];
  /** Records of other event types, with their type. */
  readonly ignored: { readonly record: ConsumedRecord; readonly type: string }[];
}

type DecideAndPublish = (records: readonly ConsumedRecord[]) => Promise<Outcome>;

/**
 * Handles one order-topic record for the consumer runner. Decide-and-record is one atomic store step and the decision
 * is published before the handler resolves, i.e. before the offset is committed. A crash between the two leaves
 * the record uncommitted; its redelivery finds the recorded decision, changes nothing and publishes it again.
 */
export function createReservationHandler(deps: ReservationHandlerDeps): RecordHandler {
  const decideAndPublish = decider(deps);
  return async (record, context) => {
    const { decided, ignored } = await decideAndPublish([record]);
    for (const { type } of ignored) context.log.debug({ type }, 'event ignored');
    for (const { result } of decided) logDecision(context.log, result, record.partition);
  };
}

/**
 * Handles a batch of one partition's order-topic records with the same guarantees as createReservationHandler, in one
 * store round trip (the orders applied in offset order, so a batch decides exactly as its records handled one by one
 * would) and one produce request for all the results, awaited before the runner commits the batch. An undecodable
 * record fails the batch before anything is reserved; the runner then handles its records one by one, which
 * dead-letters that record alone.
 */
export function createReservationBatchHandler(deps: ReservationHandlerDeps): BatchHandler {
  const decideAndPublish = decider(deps);
  return async (records, context) => {
    const { decided, ignored } = await decideAndPublish(records);
    // A bound logger per line costs microseconds: only made when the line is written.
    if (context.log.isLevelEnabled('debug')) {
      for (const { record, type } of ignored) context.logFor(record).debug({ type }, 'event ignored');
    }
    if (context.log.isLevelEnabled('info')) {
      for (const { record, result } of decided) logDecision(context.logFor(record), result, record.partition);
    }
  };
}

function decider(deps: ReservationHandlerDeps): DecideAndPublish {
  const { store, producer, metrics } = deps;
  const now = deps.now ?? Date.now;
  return async (records) => {
    const orders: ConsumedRecord[] = [];
    const requests: ReservationRequest[] = [];
    const ignored: Outcome['ignored'] = [];
    for (const record of records) {
      const decoded = decodeEvent(record.value);
      if (!decoded.ok) throw new PoisonEventError(decoded.code, decoded.reason);
      const event = decoded.event;
      if (event.type !== EventTypes.orderCreated) {
        // Other event types may share the topic later; they are someone else's business, not poison.
        ignored.push({ record, type: event.type });
        continue;
      }
      const { orderId, productId, quantity } = event.data;
      orders.push(record);
      requests.push({ orderId, productId, quantity });
    }
    if (requests.length === 0) return { decided: [], ignored };
    const results = await store.reserveMany(requests, now());
    const decided = results.map((result, i) => ({ record: orders[i] as ConsumedRecord, result }));
    await publishEvents(
      producer,
      // The record's traceparent is the span that processed it: the decision events are its children.
      decided.flatMap(({ record, result }) => reservationEvents(result.record, record.traceparent)),
    );
    for (const { record, replayed } of results) {
      metrics?.reservations.inc({ outcome: record.outcome, replayed: String(replayed) });
    }
    return { decided, ignored };
  };
}

function logDecision(log: Logger, { record: decision, replayed }: ReservationResult, partition: number): void {
  const { orderId, productId, quantity } = decision;
  const fields = { orderId, productId, quantity, partition };
  switch (decision.outcome) {
    case 'reserved':
      log.info({ ...fields, remaining: decision.remaining, replayed }, 'stock reserved');
      break;
    case 'insufficient':
      log.info({ ...fields, available: decision.available, replayed }, 'stock rejected: insufficient stock');
      break;
    case 'unknown-product':
      log.info({ ...fields, replayed }, 'stock rejected: unknown product');
      break;
  }
}
