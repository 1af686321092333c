import { decodeEvent } from '@orderflow/contracts';
import { PoisonEventError, type RecordHandler } from '@orderflow/platform';
import type { NotificationDispatcher } from './notification-dispatcher.ts';
import { renderNotification } from './notification-templates.ts';

/**
 * Handles order-topic and stock-topic records for the consumer runner. An undecodable record is poison (dead-lettered
 * at once); an event without a template (stock-changed) is acknowledged and ignored; every other one is rendered and
 * dispatched, and the runner commits its offset only after dispatch resolved.
 */
export function createNotificationHandler(dispatcher: NotificationDispatcher): RecordHandler {
  return async (record, { log, signal }) => {
    const decoded = decodeEvent(record.value);
    if (!decoded.ok) throw new PoisonEventError(decoded.code, decoded.reason);
    const { event } = decoded;
    const rendered = renderNotification(event);
    if (rendered === undefined) {
      log.debug({ eventId: event.id, eventType: event.type }, 'event ignored');
      return;
    }
    const eventLog = log.child({ eventId: event.id, eventType: event.type, orderId: rendered.orderId });
    await dispatcher.dispatch(event, rendered, { log: eventLog, traceparent: record.traceparent, signal });
  };
}
