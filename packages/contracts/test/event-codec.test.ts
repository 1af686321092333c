import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type AnyCloudEvent,
  createEvent,
  decodeEvent,
  EventContractError,
  EventPoisonCodes,
  EventTypes,
  encodeEvent,
} from '../src/index.ts';

const source = '/orderflow/test';
const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

function envelope(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    specversion: '1.0',
    id: 'evt-1',
    source,
    type: EventTypes.orderCreated,
    time: '2025-01-02T03:04:05.000Z',
    datacontenttype: 'application/json',
    data: { orderId: 'o-1', productId: 'p-1', quantity: 2, createdAt: '2025-01-02T03:04:05.000Z' },
    ...overrides,
  };
}

function decodeJson(value: unknown) {
  return decodeEvent(Buffer.from(JSON.stringify(value)));
}

describe('valid events round-trip', () => {
  const events: AnyCloudEvent[] = [
    createEvent(
      EventTypes.orderCreated,
      { orderId: 'o-1', productId: 'p-1', quantity: 3, customerId: 'c-9', createdAt: new Date().toISOString() },
      { source, traceparent },
    ),
    createEvent(EventTypes.stockReserved, { orderId: 'o-1', productId: 'p-1', quantity: 3, remaining: 0 }, { source }),
    createEvent(
      EventTypes.stockRejected,
      { orderId: 'o-2', productId: 'p-1', quantity: 1, reason: 'INSUFFICIENT_STOCK', available: 0 },
      { source },
    ),
    createEvent(
      EventTypes.stockRejected,
      { orderId: 'o-3', productId: 'nope', quantity: 1, reason: 'UNKNOWN_PRODUCT' },
      { source },
    ),
    createEvent(EventTypes.stockChanged, { productId: 'p-1', available: 7, reason: 'RESTOCKED' }, { source }),
  ];

  for (const event of events) {
    test(event.type, () => {
      const result = decodeEvent(encodeEvent(event));
      assert.deepEqual(result, { ok: true, event });
    });
  }

  test('createEvent fills the CloudEvents attributes', () => {
    const event = events[0]!;
    assert.equal(event.specversion, '1.0');
    assert.equal(event.datacontenttype, 'application/json');
    assert.equal(event.type, 'com.orderflow.order.created.v1');
    assert.equal(event.source, source);
    assert.equal(event.traceparent, traceparent);
    assert.equal(event.subject, 'o-1');
    assert.match(event.id, /^[0-9a-f-]{36}$/);
    assert.notEqual(events[1]!.id, event.id);
    assert.ok(!Number.isNaN(Date.parse(event.time)));
    assert.equal(events[4]!.subject, 'p-1');
  });

  test('decoding narrows data by type', () => {
    const result = decodeEvent(encodeEvent(events[1]!));
    assert.ok(result.ok);
    assert.equal(result.event.type, EventTypes.stockReserved);
    if (result.event.type === EventTypes.stockReserved) assert.equal(result.event.data.remaining, 0);
  });

  test('unknown extension attributes and extra data fields from newer producers are tolerated', () => {
    const raw = envelope({ partitionkey: 'o-1', data: { ...(envelope().data as object), channel: 'web' } });
    const result = decodeJson(raw);
    assert.equal(result.ok, true);
  });
});

describe('poison input gives a stable code and never throws', () => {
  const cases: [string, Uint8Array | string | null | undefined, string][] = [
    ['null value (tombstone)', null, EventPoisonCodes.malformedJson],
    ['empty buffer', Buffer.alloc(0), EventPoisonCodes.malformedJson],
    ['truncated JSON', Buffer.from('{"specversion":"1.0",'), EventPoisonCodes.malformedJson],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), EventPoisonCodes.malformedJson],
    ['JSON array', Buffer.from('[1,2]'), EventPoisonCodes.invalidEnvelope],
    ['JSON string', Buffer.from('"hello"'), EventPoisonCodes.invalidEnvelope],
    ['wrong specversion', JSON.stringify(envelope({ specversion: '0.3' })), EventPoisonCodes.invalidEnvelope],
    ['missing id', JSON.stringify({ ...envelope(), id: undefined }), EventPoisonCodes.invalidEnvelope],
    ['bad time', JSON.stringify(envelope({ time: 'yesterday' })), EventPoisonCodes.invalidEnvelope],
    ['bad traceparent', JSON.stringify(envelope({ traceparent: 'abc' })), EventPoisonCodes.invalidEnvelope],
    [
      'XML content type',
      JSON.stringify(envelope({ datacontenttype: 'application/xml' })),
      EventPoisonCodes.invalidEnvelope,
    ],
    [
      'unknown type',
      JSON.stringify(envelope({ type: 'com.orderflow.order.created.v9' })),
      EventPoisonCodes.unknownType,
    ],
    ['data missing', JSON.stringify({ ...envelope(), data: undefined }), EventPoisonCodes.invalidEnvelope],
    ['data null', JSON.stringify(envelope({ data: null })), EventPoisonCodes.invalid],
    [
      'quantity zero',
      JSON.stringify(envelope({ data: { ...(envelope().data as object), quantity: 0 } })),
      EventPoisonCodes.invalid,
    ],
    [
      'quantity as string',
      JSON.stringify(envelope({ data: { ...(envelope().data as object), quantity: '2' } })),
      EventPoisonCodes.invalid,
    ],
    [
      'unknown rejection reason',
      JSON.stringify(
        envelope({
          type: EventTypes.stockRejected,
          data: { orderId: 'o', productId: 'p', quantity: 1, reason: 'TOO_EXPENSIVE' },
        }),
      ),
      EventPoisonCodes.invalid,
    ],
  ];

  for (const [name, input, code] of cases) {
    test(`${name} → ${code}`, () => {
      const result = decodeEvent(input);
      assert.equal(result.ok, false);
      if (!result.ok) {
        assert.equal(result.code, code);
        assert.ok(result.reason.length > 0);
      }
    });
  }

  test('the reason names the offending field', () => {
    const result = decodeJson(envelope({ data: { ...(envelope().data as object), quantity: 0 } }));
    assert.ok(!result.ok);
    assert.match(result.reason, /\/data\/quantity/);
  });
});

test('createEvent refuses data its schema rejects', () => {
  assert.throws(
    () =>
      createEvent(
        EventTypes.stockReserved,
        { orderId: 'o-1', productId: 'p-1', quantity: 1, remaining: -1 },
        { source },
      ),
    (error: unknown) =>
      error instanceof EventContractError && error.code === 'EVENT_INVALID' && /remaining/.test(error.message),
  );
  assert.throws(
    () =>
      createEvent(
        EventTypes.stockChanged,
        { productId: 'p', available: 1, reason: 'RESTOCKED' },
        { source, traceparent: 'x' },
      ),
    (error: unknown) => error instanceof EventContractError && error.code === 'EVENT_INVALID_ENVELOPE',
  );
});
