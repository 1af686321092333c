import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type RunningBroker, startBroker } from '@orderflow/broker';
import { pino } from 'pino';
import { Histogram, Registry } from 'prom-client';
import {
  type ConsumedRecord,
  createEventProducer,
  createKafkaConnection,
  type PublishOutcomeUnknownError,
  startConsumer,
} from '../src/kafka/index.ts';
import { parseTraceparent } from '../src/kafka/traceparent.ts';

const silent = pino({ level: 'silent' });
let broker: RunningBroker;
let dataDir: string;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'kafka-producer-test-'));
  broker = await startBroker({ port: 0, dataDir, log: silent });
});

after(async () => {
  await broker?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

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
/** Waits for what the test expects, failing with `what` rather than hanging (and leaking a runner) if it never comes. */
async function expectWithin<T>(promise: Promise<T>, what: string, ms = 20_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new assert.AssertionError({ message: `timed out waiting for ${what}` })), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

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
  {
    timeout: 60_000,
  },
  async () => {
    const connection = createKafkaConnection({ brokers: [broker.bootstrap], clientId: 'producer-test' });
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

    const { promise: received, resolve } = Promise.withResolvers<ConsumedRecord>();
    const runner = await startConsumer({
      connection,
      groupId: 'producer-roundtrip-reader',
      topics: ['producer-roundtrip'],
      log: silent,
      handler: async (record) => resolve(record),
    });
    try {
      const record = await expectWithin(received, 'the published record');
      assert.equal(record.key?.toString(), 'order-1');
      assert.equal(record.value.toString(), '{"hello":"world"}');
      assert.equal(record.headers['content-type'], 'application/json');
      assert.equal(record.headers.traceparent, receipt.traceparent);
      assert.equal(record.traceparent, receipt.traceparent);
      assert.equal(record.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
    } finally {
      await runner.stop();
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

test(
  'records published without a trace start one, and a traceparent header is continued',
  {
    timeout: 60_000,
  },
  async () => {
    const connection = createKafkaConnection({ brokers: [broker.bootstrap], clientId: 'producer-test' });
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
  },
);

test('concurrent publishes are all acknowledged and keep per-key order', { timeout: 60_000 }, async () => {
  const connection = createKafkaConnection({ brokers: [broker.bootstrap], clientId: 'producer-test' });
  const producer = createEventProducer({ connection, log: silent, lingerMs: 2, maxBatchSize: 16 });
  const total = 120;
  const keys = ['a', 'b', 'c', 'd'];
  await Promise.all(
    Array.from({ length: total }, (_, index) =>
      producer.publish('producer-batches', { key: keys[index % keys.length], value: String(index) }),
    ),
  );
  await producer.close();

  const seen: number[] = [];
  const { promise: all, resolve } = Promise.withResolvers<void>();
  const runner = await startConsumer({
    connection,
    groupId: 'producer-batches-reader',
    topics: ['producer-batches'],
    log: silent,
    handler: async (record) => {
      seen.push(Number(record.value.toString()));
      if (seen.length === total) {
        resolve();
      }
    },
  });
  try {
    await expectWithin(all, 'every published record');
  } finally {
    await runner.stop();
  }
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

test(
  'with lingerMs 0, records published in the same synchronous run share one produce request',
  {
    timeout: 60_000,
  },
  async () => {
    const topic = 'producer-no-linger';
    const connection = createKafkaConnection({ brokers: [broker.bootstrap], clientId: 'producer-test' });
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
  },
);

test(
  'records of successive producers are all stored, none mistaken for another producer retry',
  {
    timeout: 60_000,
  },
  async () => {
    const connection = createKafkaConnection({ brokers: [broker.bootstrap], clientId: 'producer-test' });
    for (const value of ['from-first-producer', 'from-second-producer']) {
      const producer = createEventProducer({ connection, log: silent });
      await producer.publish('producer-successive', { key: 'same-key', value });
      await producer.close();
    }
    const seen: string[] = [];
    const { promise: both, resolve } = Promise.withResolvers<void>();
    const runner = await startConsumer({
      connection,
      groupId: 'producer-successive-reader',
      topics: ['producer-successive'],
      log: silent,
      handler: async (record) => {
        seen.push(record.value.toString());
        if (seen.length === 2) {
          resolve();
        }
      },
    });
    try {
      await expectWithin(both, 'both records');
    } finally {
      await runner.stop();
    }
    assert.deepEqual(seen, ['from-first-producer', 'from-second-producer']);
  },
);

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
  const connection = createKafkaConnection({ brokers: [broker.bootstrap], clientId: 'producer-test' });
  const producer = createEventProducer({ connection, log: silent });
  await producer.close();
  await assert.rejects(producer.publish('closed', { value: 'v' }), { code: 'KAFKA_PUBLISH_FAILED' });
});
