// stock-service's order-created handlers wired as its main.ts wires them, for the benchmarks that drain a backlog
// through them: one handler per record and one per batch of a partition's records, publishing through a producer of
// their own whose batches hold a whole handler batch's results.
import type { EventProducer, KafkaConnection, RecordHandler } from '@orderflow/platform';
import { createEventProducer } from '@orderflow/platform';
import {
  createReservationBatchHandler,
  createReservationHandler,
  EVENTS_PER_BATCH,
  ORDER_BATCH_SIZE,
  type ReservationHandlerDeps,
} from '@orderflow/stock-service/reservation-handler';
import { type Batches, silentLog } from './backlog.ts';

export interface StockServiceConsumer {
  /** Close it once the drains are done: it holds the decisions' connection. */
  readonly producer: EventProducer;
  readonly handler: RecordHandler;
  /** As stock-service runs them. */
  readonly batches: Batches;
}

/** `lingerMs` is the producer's linger; stock-service runs with none, so each batch's results go at once. */
export function stockServiceConsumer(
  connection: KafkaConnection,
  store: ReservationHandlerDeps['store'],
  lingerMs = 0,
): StockServiceConsumer {
  const producer = createEventProducer({ connection, log: silentLog, lingerMs, maxBatchSize: EVENTS_PER_BATCH });
  const deps = { store, producer };
  return {
    producer,
    handler: createReservationHandler(deps),
    batches: { handleBatch: createReservationBatchHandler(deps), maxBatchSize: ORDER_BATCH_SIZE },
  };
}
