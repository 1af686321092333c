import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KafkaMessage } from '../src/kafka/consumed-record.ts';
import { deadLetterRecord, deadLetterTopic, errorCode } from '../src/kafka/dead-letter.ts';
import { decodeOrPoison, PoisonEventError } from '../src/kafka/poison-event-error.ts';

function message(overrides: Partial<KafkaMessage> = {}): KafkaMessage {
  return {
    topic: 'order-topic',
    partition: 2,
    offset: 41n,
    timestamp: 0n,
    key: Buffer.from('order-1'),
    value: Buffer.from('{'),
    headers: new Map([['content-type', Buffer.from('application/json')]]),
    headerEntries: [],
    leaderEpoch: 0,
    metadata: {},
    commit: () => undefined,
    toJSON: () => {
      throw new Error('not used');
    },
    ...overrides,
  };
}

test('the dead-letter topic is per source topic and consumer group', () => {
  assert.equal(deadLetterTopic('order-topic', 'stock-service'), 'order-topic.stock-service.dlq');
  assert.notEqual(deadLetterTopic('order-topic', 'stock-service'), deadLetterTopic('order-topic', 'analytics-service'));
});

test('a dead letter keeps key, value and headers and says where it came from and why', () => {
  const failedAt = new Date('2025-01-02T03:04:05.000Z');
  const letter = deadLetterRecord(message(), {
    groupId: 'stock-service',
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    attempts: 5,
    error: new PoisonEventError('EVENT_MALFORMED_JSON', 'Unexpected end of JSON input'),
    failedAt,
  });
  assert.equal(letter.key?.toString(), 'order-1');
  assert.equal(letter.value.toString(), '{');
  assert.equal(letter.traceparent, '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
  const headers = Object.fromEntries(
    Object.entries(letter.headers ?? {}).map(([name, value]) => [name, value.toString()]),
  );
  assert.deepEqual(headers, {
    'content-type': 'application/json',
    'dlq-original-topic': 'order-topic',
    'dlq-original-partition': '2',
    'dlq-original-offset': '41',
    'dlq-consumer-group': 'stock-service',
    'dlq-attempts': '5',
    'dlq-error-code': 'EVENT_MALFORMED_JSON',
    'dlq-error-reason': 'Unexpected end of JSON input',
    'dlq-failed-at': '2025-01-02T03:04:05.000Z',
  });
});

test('long error messages are truncated and errors without a code get HANDLER_FAILED', () => {
  const letter = deadLetterRecord(message({ key: undefined }), {
    groupId: 'g',
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    attempts: 1,
    error: new Error('x'.repeat(10_000)),
  });
  assert.equal(letter.key, undefined);
  assert.equal(String(letter.headers?.['dlq-error-reason']).length, 2000);
  assert.equal(letter.headers?.['dlq-error-code'], 'HANDLER_FAILED');
  assert.equal(errorCode('a string was thrown'), 'HANDLER_FAILED');
  assert.equal(errorCode(Object.assign(new Error('e'), { code: 'STOCK_DB_DOWN' })), 'STOCK_DB_DOWN');
});

test('decodeOrPoison turns a decoder failure into a non-retriable PoisonEventError', () => {
  assert.equal(decodeOrPoison('EVENT_MALFORMED_JSON', () => JSON.parse('{"a":1}')).a, 1);
  assert.throws(
    () => decodeOrPoison('EVENT_MALFORMED_JSON', () => JSON.parse('{')),
    (error: unknown) => {
      assert.ok(error instanceof PoisonEventError);
      assert.equal(error.code, 'EVENT_MALFORMED_JSON');
      assert.equal(error.retriable, false);
      assert.ok(error.cause instanceof SyntaxError);
      return true;
    },
  );
  const original = new PoisonEventError('EVENT_INVALID', 'quantity must be positive');
  assert.throws(
    () =>
      decodeOrPoison('EVENT_MALFORMED_JSON', () => {
        throw original;
      }),
    (error: unknown) => error === original,
  );
});
