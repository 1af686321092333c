import { type AnyCloudEvent, decodeEvent } from '@orderflow/contracts';
import { type BatchHandler, type ConsumedRecord, PoisonEventError, type RecordHandler } from '@orderflow/platform';
import type { NotificationDispatcher } from './notification-dispatcher.ts';
import { type RenderedNotification, renderNotification } from './notification-templates.ts';

/**
 * Most records of one partition dispatched together: the runner's maxBatchSize. Kept small because a webhook
 * receiver gets that many requests at once from each partition.
 */
export const NOTIFICATION_BATCH_SIZE = 32;

interface DecodedRecord {
  readonly event: AnyCloudEvent;
  /** Undefined for an event without a template (stock-changed), which is not notified. */
  readonly rendered: RenderedNotification | undefined;
}

/** The event of a record and its message. An undecodable record is poison. */
function decodeRecord(record: ConsumedRecord): DecodedRecord {
  const decoded = decodeEvent(record.value);
  if (!decoded.ok) throw new PoisonEventError(decoded.code, decoded.reason);
  return { event: decoded.event, rendered: renderNotification(decoded.event) };
}

/**
 * Handles order-topic and stock-topic records for the consumer runner. An undecodable record is poison (dead-lettered
 * at once); an event without a template (stock-changed) is acknowledged and ignored; every other one is rendered and
 * dispatched, and the runner commits its offset only after dispatch resolved.
 */
export function createNotificationHandler(dispatcher: NotificationDispatcher): RecordHandler {
  return async (record, { log, signal }) => {
    const { event, rendered } = decodeRecord(record);
    if (rendered === undefined) {
      log.debug({ eventId: event.id, eventType: event.type }, 'event ignored');
      return;
    }
    const eventLog = log.child({ eventId: event.id, eventType: event.type, orderId: rendered.orderId });
    await dispatcher.dispatch(event, rendered, { log: eventLog, traceparent: record.traceparent, signal });
  };
}

/**
 * The records of one partition dispatched concurrently, so their store round trips and deliveries overlap instead of
 * queueing one behind the other. Every record is decoded before anything is dispatched, and each event is dispatched
 * once: a copy of an event in the same batch would race its original past the SENT check and deliver twice. Any
 * failure throws once every dispatch has settled; the runner then hands the records to the per-record handler one by
 * one, which skips what was sent here and retries or dead-letters the rest.
 */
export function createNotificationBatchHandler(dispatcher: NotificationDispatcher): BatchHandler {
  return async (records, context) => {
    const dispatches = new Map<
      string,
      { readonly record: ConsumedRecord; readonly event: AnyCloudEvent; readonly rendered: RenderedNotification }
    >();
    for (const record of records) {
      const { event, rendered } = decodeRecord(record);
      if (rendered !== undefined && !dispatches.has(event.id)) dispatches.set(event.id, { record, event, rendered });
    }
    const outcomes = await Promise.allSettled(
      [...dispatches.values()].map(({ record, event, rendered }) => {
        const log = context
          .logFor(record)
          .child({ eventId: event.id, eventType: event.type, orderId: rendered.orderId });
        return dispatcher.dispatch(event, rendered, { log, traceparent: record.traceparent, signal: context.signal });
      }),
    );
    const failure = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failure !== undefined) throw failure.reason;
  };
}
