import { decodeEvent, type EventType } from '@orderflow/contracts';
import {
  type BatchHandler,
  type ConsumedRecord,
  type Logger,
  PoisonEventError,
  type RecordHandler,
} from '@orderflow/platform';
import type { AnalyticsMetrics } from './analytics-metrics.ts';
import type { AnalyticsStore } from './analytics-store.ts';
import { type CountedEvent, countedEvent } from './counted-event.ts';

export interface AnalyticsHandlerDeps {
  readonly store: AnalyticsStore;
  readonly metrics?: AnalyticsMetrics;
  readonly now?: () => number;
}

interface Handled {
  readonly record: ConsumedRecord;
  readonly eventId: string;
  readonly eventType: EventType;
  readonly productId?: string;
  readonly outcome: 'counted' | 'duplicate' | 'ignored';
}

type CountRecords = (records: readonly ConsumedRecord[]) => Promise<Handled[]>;

/**
 * Handles order-topic and stock-topic records for the consumer runner. Counting is one atomic store step keyed by
 * the event id, so a record redelivered after a crash, a rebalance or a duplicate publish changes nothing the
 * second time. Undecodable records are poison: the runner dead-letters them at once and moves on.
 */
export function createAnalyticsHandler(deps: AnalyticsHandlerDeps): RecordHandler {
  const countRecords = counter(deps);
  return async (record, context) => {
    for (const handled of await countRecords([record])) logOutcome(context.log, handled);
  };
}

/**
 * Handles a batch of one partition's records with the same guarantees as createAnalyticsHandler, counting all of them
 * in one store round trip (in offset order, so a batch counts exactly what its records handled one by one would). An
 * undecodable record fails the batch before anything is counted; the runner then handles its records one by one,
 * which dead-letters that record alone.
 */
export function createAnalyticsBatchHandler(deps: AnalyticsHandlerDeps): BatchHandler {
  const countRecords = counter(deps);
  return async (records, context) => {
    const handled = await countRecords(records);
    // A bound logger per line costs microseconds: made only for the lines written, redeliveries (info) among them.
    const debug = context.log.isLevelEnabled('debug');
    for (const entry of handled) {
      if (debug || entry.outcome === 'duplicate') logOutcome(context.logFor(entry.record), entry);
    }
  };
}

function counter(deps: AnalyticsHandlerDeps): CountRecords {
  const { store, metrics } = deps;
  const now = deps.now ?? Date.now;
  return async (records) => {
    const decoded = records.map((record) => {
      const result = decodeEvent(record.value);
      if (!result.ok) throw new PoisonEventError(result.code, result.reason);
      return { record, event: result.event, counted: countedEvent(result.event) };
    });
    const toCount = decoded.flatMap(({ counted }) => (counted === undefined ? [] : [counted]));
    const fresh = toCount.length === 0 ? [] : await store.countMany(toCount, now());
    let next = 0;
    return decoded.map(({ record, event, counted }) => {
      const outcome = counted === undefined ? 'ignored' : fresh[next++] ? 'counted' : 'duplicate';
      metrics?.events.inc({ type: event.type, outcome });
      return { record, eventId: event.id, eventType: event.type, ...productOf(counted), outcome };
    });
  };
}

function productOf(counted: CountedEvent | undefined): { productId?: string } {
  return counted === undefined ? {} : { productId: counted.productId };
}

function logOutcome(log: Logger, { eventId, eventType, productId, outcome }: Handled): void {
  const fields = { eventId, eventType };
  switch (outcome) {
    case 'ignored':
      log.debug(fields, 'event not counted');
      break;
    case 'counted':
      log.debug({ ...fields, productId }, 'event counted');
      break;
    case 'duplicate':
      log.info({ ...fields, productId }, 'event counted before, redelivery ignored');
      break;
  }
}
