import { decodeEvent } from '@orderflow/contracts';
import { PoisonEventError, type RecordHandler } from '@orderflow/platform';
import type { AnalyticsMetrics } from './analytics-metrics.ts';
import type { AnalyticsStore } from './analytics-store.ts';
import { countedEvent } from './counted-event.ts';

export interface AnalyticsHandlerDeps {
  readonly store: AnalyticsStore;
  readonly metrics?: AnalyticsMetrics;
  readonly now?: () => number;
}

/**
 * Handles order-topic and stock-topic records for the consumer runner. Counting is one atomic store step keyed by
 * the event id, so a record redelivered after a crash, a rebalance or a duplicate publish changes nothing the
 * second time. Undecodable records are poison: the runner dead-letters them at once and moves on.
 */
export function createAnalyticsHandler(deps: AnalyticsHandlerDeps): RecordHandler {
  const { store, metrics } = deps;
  const now = deps.now ?? Date.now;

  return async (record, { log }) => {
    const decoded = decodeEvent(record.value);
    if (!decoded.ok) throw new PoisonEventError(decoded.code, decoded.reason);
    const event = decoded.event;
    // The runner's logger is already bound to the record's traceId; the event's fields are added per line rather
    // than through a child logger, which would cost an allocation per event on the hot path.
    const fields = { eventId: event.id, eventType: event.type };
    const counted = countedEvent(event);
    if (counted === undefined) {
      metrics?.events.inc({ type: event.type, outcome: 'ignored' });
      log.debug(fields, 'event not counted');
      return;
    }
    const fresh = await store.count(counted, now());
    metrics?.events.inc({ type: event.type, outcome: fresh ? 'counted' : 'duplicate' });
    if (fresh) log.debug({ ...fields, productId: counted.productId }, 'event counted');
    else log.info({ ...fields, productId: counted.productId }, 'event counted before, redelivery ignored');
  };
}
