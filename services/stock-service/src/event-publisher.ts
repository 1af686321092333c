import { type AnyCloudEvent, eventRecord } from '@orderflow/contracts';
import type { EventProducer } from '@orderflow/platform';

/**
 * Publishes events to their topics, keyed as the contracts prescribe (orderId, or productId for stock-changed), and
 * resolves once the broker acknowledged all of them. The producer batches concurrent publishes into one request.
 */
export async function publishEvents(producer: EventProducer, events: readonly AnyCloudEvent[]): Promise<void> {
  await Promise.all(
    events.map((event) => {
      const record = eventRecord(event);
      return producer.publish(record.topic, record);
    }),
  );
}
