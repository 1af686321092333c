import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { Histogram, Registry } from 'prom-client';
import { createEventProducer, createKafkaConnection, type PublishOutcomeUnknownError } from '../src/kafka/index.ts';
import { parseTraceparent } from '../src/kafka/traceparent.ts';
import { silent, slow, useTestBroker } from './fixtures/kafka-runner.ts';

const kafka = useTestBroker('producer-test');

function publishMetrics() {
  const registry = new Registry();
  const publishDuration = new Histogram({
    name: 'publish_duration_seconds',
    help: 'test',
    labelNames: ['topic'] as const,
    registers: [registry],
  });
  return { registry, publishDuration };
}

/** A port nothing listens on: bound, then released. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.ok(address && typeof address === 'object');
  return address.port;
}

test(
  'a published record reaches a consumer with key, value, headers and the caller trace continued',
  slow,
  async () => {
    const { connection } = kafka;
    const metrics = publishMetrics();
    const producer = createEventProducer({ connection, log: silent, metrics });
    const callerTrace = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const receipt = await producer.publish('producer-roundtrip', {
      key: 'order-1',
      value: Buffer.from('{"hello":"world"}'),
      headers: { 'content-type': 'application/json' },
      traceparent: callerTrace,
    });
    const produced = parseTraceparent(receipt.traceparent);
    assert.equal(produced?.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
    assert.notEqual(produced?.parentId, '00f067aa0ba902b7', 'the record is a new span of the caller trace');

    try {
      const [record] = await kafka.consumeUntil(
        { groupId: 'producer-roundtrip-reader', topics: ['producer-roundtrip'] },
        (records) => records.length === 1,
      );
      assert.equal(record.key?.toString(), 'order-1');
      assert.equal(record.value.toString(), '{"hello":"world"}');
      assert.equal(record.headers['content-type'], 'application/json');
      assert.equal(record.headers.traceparent, receipt.traceparent);
      assert.equal(record.traceparent, receipt.traceparent);
      assert.equal(record.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
    } finally {
      await producer.close();
    }
    const [histogram] = (await metrics.registry.getMetricsAsJSON()) as unknown as {
      values: { metricName: string; labels: Record<string, string>; value: number }[];
    }[];
    const count = histogram.values.find(
      (value) => value.metricName === 'publish_duration_seconds_count' && value.labels.topic === 'producer-roundtrip',
    );
    assert.equal(count?.value, 1);
  },
);

test('records published without a trace start one, and a traceparent header is continued', slow, async () => {
  const { connection } = kafka;
  const producer = createEventProducer({ connection, log: silent });
  try {
    const fresh = await producer.publish('producer-traces', { value: 'a' });
    const fromHeader = await producer.publish('producer-traces', {
      value: 'b',
      headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
    });
    assert.ok(parseTraceparent(fresh.traceparent));
    assert.equal(parseTraceparent(fromHeader.traceparent)?.traceId, '0af7651916cd43dd8448eb211c80319c');
    assert.notEqual(parseTraceparent(fromHeader.traceparent)?.parentId, 'b7ad6b7169203331');
  } finally {
    await producer.close();
  }
});

test('concurrent publishes are all acknowledged and keep per-key order', slow, async () => {
  const { connection } = kafka;
  const producer = createEventProducer({ connection, log: silent, lingerMs: 2, maxBatchSize: 16 });
  const total = 120;
  const keys = ['a', 'b', 'c', 'd'];
  await Promise.all(
    Array.from({ length: total }, (_, index) =>
      producer.publish('producer-batches', { key: keys[index % keys.length], value: String(index) }),
    ),
  );
  await producer.close();

  const consumed = await kafka.consumeUntil(
    { groupId: 'producer-batches-reader', topics: ['producer-batches'] },
    (records) => records.length === total,
  );
  const seen = consumed.map((record) => Number(record.value.toString()));
  assert.deepEqual(
    [...seen].sort((a, b) => a - b),
    Array.from({ length: total }, (_, index) => index),
  );
  for (const key of keys.keys()) {
    const ofKey = seen.filter((value) => value % keys.length === key);
    assert.deepEqual(
      ofKey,
      [...ofKey].sort((a, b) => a - b),
      `key ${keys[key]} out of order`,
    );
  }
});

test('with lingerMs 0, records published in the same synchronous run share one produce request', slow, async () => {
  const topic = 'producer-no-linger';
  const { connection } = kafka;
  const producer = createEventProducer({ connection, log: silent, lingerMs: 0, maxBatchSize: 500 });
  // @platformatic/kafka reports every Producer.send, with the messages it carries, on this diagnostics channel.
  const sendStarts = 'tracing:plt:kafka:producer:sends:start';
  const requestSizes: number[] = [];
  const onSend = (context: unknown) => {
    const { messages } = (context as { options: { messages: { topic: string }[] } }).options;
    if (messages.every((message) => message.topic === topic)) {
      requestSizes.push(messages.length);
    }
  };
  subscribe(sendStarts, onSend);
  try {
    await Promise.all(
      Array.from({ length: 300 }, (_, index) =>
        producer.publish(topic, { key: `order-${index}`, value: String(index) }),
      ),
    );
  } finally {
    unsubscribe(sendStarts, onSend);
    await producer.close();
  }
  assert.deepEqual(requestSizes, [300]);
});

test('records of successive producers are all stored, none mistaken for another producer retry', slow, async () => {
  const { connection } = kafka;
  for (const value of ['from-first-producer', 'from-second-producer']) {
    const producer = createEventProducer({ connection, log: silent });
    await producer.publish('producer-successive', { key: 'same-key', value });
    await producer.close();
  }
  const seen = await kafka.consumeUntil(
    { groupId: 'producer-successive-reader', topics: ['producer-successive'] },
    (records) => records.length === 2,
  );
  assert.deepEqual(
    seen.map((record) => record.value.toString()),
    ['from-first-producer', 'from-second-producer'],
  );
});

test(
  'a publish the broker cannot acknowledge in time rejects with a 503 whose outcome follows the late answer',
  {
    timeout: 30_000,
  },
  async () => {
    const connection = createKafkaConnection({ brokers: [`127.0.0.1:${await deadPort()}`], clientId: 'producer-test' });
    const metrics = publishMetrics();
    const producer = createEventProducer({ connection, log: silent, metrics, publishTimeoutMs: 300 });
    try {
      let timedOut: unknown;
      await assert.rejects(
        producer.publish('nowhere', { key: 'k', value: 'v' }).catch((error: unknown) => {
          timedOut = error;
          throw error;
        }),
        // The record was handed to the client, which may have put it on the wire: the caller cannot be told "failed".
        { code: 'KAFKA_PUBLISH_OUTCOME_UNKNOWN', status: 503, retriable: true },
      );
      // Once the client gives up on the unreachable broker, the outcome says the record was not written.
      await assert.rejects((timedOut as PublishOutcomeUnknownError).outcome, { code: 'KAFKA_PUBLISH_FAILED' });
    } finally {
      await producer.close();
    }
    const json = await metrics.registry.getMetricsAsJSON();
    assert.equal(
      (json[0] as unknown as { values: { metricName: string; value: number }[] }).values.find(
        (value) => value.metricName === 'publish_duration_seconds_count',
      ),
      undefined,
      'failed publishes are not latency samples',
    );
  },
);

test('publishing after close rejects with KAFKA_PUBLISH_FAILED', async () => {
  const { connection } = kafka;
  const producer = createEventProducer({ connection, log: silent });
  await producer.close();
  await assert.rejects(producer.publish('closed', { value: 'v' }), { code: 'KAFKA_PUBLISH_FAILED' });
});
