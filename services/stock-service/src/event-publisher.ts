import {
  type AnyCloudEvent,
  CLOUDEVENTS_CONTENT_TYPE,
  EventHeaders,
  EventTopics,
  encodeEvent,
  partitionKey,
} from '@orderflow/contracts';
import type { EventProducer } from '@orderflow/platform';

const HEADERS = { [EventHeaders.contentType]: CLOUDEVENTS_CONTENT_TYPE };

/**
 * Publishes events to their topics, keyed as the contracts prescribe (orderId, or productId for stock-changed), and
 * resolves once the broker acknowledged all of them. The producer batches concurrent publishes into one request.
 */
export async function publishEvents(producer: EventProducer, events: readonly AnyCloudEvent[]): Promise<void> {
  await Promise.all(
    events.map((event) =>
      producer.publish(EventTopics[event.type], {
        key: partitionKey(event),
        value: encodeEvent(event),
        headers: HEADERS,
        ...(event.traceparent === undefined ? {} : { traceparent: event.traceparent }),
      }),
    ),
  );
}
