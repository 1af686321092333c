import Type, { type Static } from 'typebox';
import type { EventDataMap, EventType } from './event-catalog.ts';

// CloudEvents 1.0 structured-mode JSON envelope (https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/spec.md)
// with the distributed-tracing extension's `traceparent`. Only the attributes we rely on are constrained; other
// extension attributes are allowed as the spec requires.

export const TRACEPARENT_PATTERN = '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$';

export const CloudEventEnvelope = Type.Object(
  {
    specversion: Type.Literal('1.0'),
    id: Type.String({ minLength: 1, maxLength: 256 }),
    source: Type.String({ minLength: 1, format: 'uri-reference' }),
    type: Type.String({ minLength: 1 }),
    time: Type.String({ format: 'date-time' }),
    datacontenttype: Type.Literal('application/json'),
    subject: Type.Optional(Type.String({ minLength: 1 })),
    traceparent: Type.Optional(Type.String({ pattern: TRACEPARENT_PATTERN })),
    data: Type.Unknown(),
  },
  { title: 'CloudEvent', description: 'CloudEvents 1.0 structured JSON envelope' },
);

export type CloudEventEnvelope = Static<typeof CloudEventEnvelope>;

export interface CloudEvent<T extends EventType = EventType> {
  readonly specversion: '1.0';
  readonly id: string;
  readonly source: string;
  readonly type: T;
  readonly time: string;
  readonly datacontenttype: 'application/json';
  readonly subject?: string;
  readonly traceparent?: string;
  readonly data: EventDataMap[T];
}

/** Any known event, discriminated by `type`: `switch (event.type)` narrows `event.data`. */
export type AnyCloudEvent = { [T in EventType]: CloudEvent<T> }[EventType];
