import { randomUUID } from 'node:crypto';
import { Compile, type Validator } from 'typebox/compile';
import type { TLocalizedValidationError } from 'typebox/error';
import { type AnyCloudEvent, type CloudEvent, CloudEventEnvelope } from './cloud-event.ts';
import { type EventDataMap, EventDataSchemas, type EventType, isEventType } from './event-catalog.ts';

/**
 * Why a message could not be decoded. Consumers branch on these to dead-letter poison messages instead of retrying
 * them: none of them can succeed on a retry.
 */
export const EventPoisonCodes = {
  malformedJson: 'EVENT_MALFORMED_JSON',
  invalidEnvelope: 'EVENT_INVALID_ENVELOPE',
  unknownType: 'EVENT_UNKNOWN_TYPE',
  invalid: 'EVENT_INVALID',
} as const;

export type EventPoisonCode = (typeof EventPoisonCodes)[keyof typeof EventPoisonCodes];

export type DecodeResult =
  | { readonly ok: true; readonly event: AnyCloudEvent }
  | { readonly ok: false; readonly code: EventPoisonCode; readonly reason: string };

export interface CreateEventOptions {
  /** URI reference naming the producer, e.g. `/orderflow/order-service`. */
  readonly source: string;
  /** W3C trace context of the operation that produced the event. */
  readonly traceparent?: string;
  /** Defaults to the entity the event is about: the order id, or the product id for stock-changed. */
  readonly subject?: string;
  /** Defaults to a random UUID; pass a stable id when re-publishing the same logical event. */
  readonly id?: string;
  readonly time?: Date;
}

/** Thrown by createEvent when a producer builds an event its own schema rejects: a bug, never a runtime condition. */
export class EventContractError extends Error {
  readonly code: EventPoisonCode;

  constructor(code: EventPoisonCode, message: string) {
    super(message);
    this.name = 'EventContractError';
    this.code = code;
  }
}

// Compiled once at module load; validating per message is then a plain function call.
const envelopeValidator = Compile(CloudEventEnvelope);
const dataValidators = new Map<EventType, Validator>(
  Object.entries(EventDataSchemas).map(([type, schema]) => [type as EventType, Compile(schema) as Validator]),
);
const utf8 = new TextDecoder('utf-8', { fatal: true });
const MAX_REASON_ERRORS = 3;

export function createEvent<T extends EventType>(
  type: T,
  data: EventDataMap[T],
  options: CreateEventOptions,
): CloudEvent<T> {
  const subject = options.subject ?? defaultSubject(data);
  const event = {
    specversion: '1.0',
    id: options.id ?? randomUUID(),
    source: options.source,
    type,
    time: (options.time ?? new Date()).toISOString(),
    datacontenttype: 'application/json',
    ...(subject === undefined ? {} : { subject }),
    ...(options.traceparent === undefined ? {} : { traceparent: options.traceparent }),
    data,
  };
  const result = validateEvent(event);
  if (!result.ok) throw new EventContractError(result.code, `cannot create ${type}: ${result.reason}`);
  return event as CloudEvent<T>;
}

export function encodeEvent(event: CloudEvent): Buffer {
  return Buffer.from(JSON.stringify(event), 'utf8');
}

/** Decodes and validates a message value. Never throws: every bad input becomes a poison result with a stable code. */
export function decodeEvent(value: Uint8Array | string | null | undefined): DecodeResult {
  if (value === null || value === undefined || value.length === 0) {
    return poison(EventPoisonCodes.malformedJson, 'message value is empty');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof value === 'string' ? value : utf8.decode(value));
  } catch (error) {
    return poison(EventPoisonCodes.malformedJson, `not UTF-8 JSON: ${(error as Error).message}`);
  }
  return validateEvent(parsed);
}

/** Validates an already parsed value as a known event: the envelope first, then `data` against its type's schema. */
export function validateEvent(value: unknown): DecodeResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return poison(EventPoisonCodes.invalidEnvelope, 'event is not a JSON object');
  }
  if (!envelopeValidator.Check(value)) {
    return poison(EventPoisonCodes.invalidEnvelope, describe(envelopeValidator.Errors(value)));
  }
  const { type } = value;
  if (!isEventType(type)) {
    return poison(EventPoisonCodes.unknownType, `unknown event type "${type}"`);
  }
  const dataValidator = dataValidators.get(type)!;
  if (!dataValidator.Check(value.data)) {
    return poison(EventPoisonCodes.invalid, describe(dataValidator.Errors(value.data), '/data'));
  }
  return { ok: true, event: value as AnyCloudEvent };
}

function poison(code: EventPoisonCode, reason: string): DecodeResult {
  return { ok: false, code, reason };
}

function describe(errors: TLocalizedValidationError[], prefix = ''): string {
  const parts = errors.slice(0, MAX_REASON_ERRORS).map((e) => `${prefix}${e.instancePath || ''} ${e.message}`.trim());
  const more = errors.length > MAX_REASON_ERRORS ? ` (+${errors.length - MAX_REASON_ERRORS} more)` : '';
  return `${parts.join('; ')}${more}`;
}

function defaultSubject(data: object): string | undefined {
  if ('orderId' in data && typeof data.orderId === 'string') return data.orderId;
  if ('productId' in data && typeof data.productId === 'string') return data.productId;
  return undefined;
}
