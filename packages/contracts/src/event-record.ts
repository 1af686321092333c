import type { AnyCloudEvent } from './cloud-event.ts';
import { encodeEvent } from './event-codec.ts';
import { CLOUDEVENTS_CONTENT_TYPE, EventHeaders, EventTopics, partitionKey, type Topic } from './topics.ts';

/**
 * An event as the Kafka record that carries it: its topic, its partition key, the structured-mode CloudEvent as the
 * value with the content-type header the CloudEvents Kafka binding prescribes, and the event's trace context.
 */
export interface EventRecord {
  readonly topic: Topic;
  readonly key: string;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string>>;
  readonly traceparent?: string;
}

const HEADERS = Object.freeze({ [EventHeaders.contentType]: CLOUDEVENTS_CONTENT_TYPE });

/**
 * The one mapping from an event to its record, so a service's publish, a benchmark's backlog and a test's record are
 * the same bytes to the same partition.
 */
export function eventRecord(event: AnyCloudEvent): EventRecord {
  return {
    topic: EventTopics[event.type],
    key: partitionKey(event),
    value: encodeEvent(event),
    headers: HEADERS,
    ...(event.traceparent === undefined ? {} : { traceparent: event.traceparent }),
  };
}
