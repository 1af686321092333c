export { type AnyCloudEvent, type CloudEvent, CloudEventEnvelope, TRACEPARENT_PATTERN } from './cloud-event.ts';
export {
  type EventDataMap,
  EventDataSchemas,
  EventSchemaNames,
  type EventType,
  EventTypes,
  isEventType,
} from './event-catalog.ts';
export {
  type CreateEventOptions,
  createEvent,
  type DecodeResult,
  decodeEvent,
  EventContractError,
  type EventPoisonCode,
  EventPoisonCodes,
  encodeEvent,
  validateEvent,
} from './event-codec.ts';
export { type EventRecord, eventRecord } from './event-record.ts';
export { CustomerId, OrderId, ProductId, Quantity, StockLevel, Timestamp } from './events/entity-ids.ts';
export { OrderCreatedV1 } from './events/order-created.ts';
export { StockChangedV1, StockChangeReason } from './events/stock-changed.ts';
export { StockRejectedV1, StockRejectionReason } from './events/stock-rejected.ts';
export { StockReservedV1 } from './events/stock-reserved.ts';
export { eventJsonSchemas, renderJsonSchema } from './json-schema.ts';
export {
  CLOUDEVENTS_CONTENT_TYPE,
  type ConsumerGroup,
  ConsumerGroups,
  EventHeaders,
  EventTopics,
  partitionKey,
  Subscriptions,
  type Topic,
  Topics,
} from './topics.ts';
