import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type RunningBroker, startBroker } from '@orderflow/broker';
import { pino } from 'pino';
import {
  type ConsumedRecord,
  type ConsumerRunnerOptions,
  createKafkaConnection,
  type KafkaConnection,
  PoisonEventError,
  type PublishRecord,
  startConsumer,
} from '../src/kafka/index.ts';
import { PlatformErrors } from '../src/errors.ts';
import {
  consumerMetrics,
  consumeUntil as consumeWith,
  expectWithin,
  fastRetry,
  metricValue,
  publishAll as publishWith,
  silent,
} from './fixtures/kafka-runner.ts';

let broker: RunningBroker;
let dataDir: string;
let connection: KafkaConnection;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'kafka-runner-test-'));
  broker = await startBroker({ port: 0, dataDir, log: silent });
  connection = createKafkaConnection({ brokers: [broker.bootstrap], clientId: 'runner-test' });
});

after(async () => {
  await broker?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const publishAll = (topic: string, records: PublishRecord[]) => publishWith(connection, topic, records);
const consumeUntil = (
  options: Omit<ConsumerRunnerOptions, 'handler' | 'log' | 'connection'>,
  until: (records: ConsumedRecord[]) => boolean,
) => consumeWith(connection, options, until);

test(
  'a failing handler is retried, committed only after it succeeds, and not redelivered after a restart',
  {
    timeout: 60_000,
  },
  async () => {
    const topic = 'runner-retry';
    const groupId = 'runner-retry-group';
    await publishAll(topic, [{ key: 'order-1', value: 'first' }]);
    const metrics = consumerMetrics();
    const attempts: number[] = [];
    const { promise: processed, resolve } = Promise.withResolvers<void>();
    const runner = await startConsumer({
      connection,
      groupId,
      topics: [topic],
      log: silent,
      metrics,
      retry: fastRetry,
      handler: async (_record, { attempt }) => {
        attempts.push(attempt);
        if (attempt === 1) {
          throw new Error('stock database briefly unavailable');
        }
        resolve();
      },
    });
    try {
      await expectWithin(processed, 'the record to succeed on its second attempt');
    } finally {
      await runner.stop();
    }
    assert.deepEqual(attempts, [1, 2]);
    assert.equal(await metricValue(metrics.eventsRetried, { topic, group: groupId }), 1);
    assert.equal(await metricValue(metrics.eventsConsumed, { topic, group: groupId }), 1);

    await publishAll(topic, [{ key: 'order-1', value: 'second' }]);
    const afterRestart = await consumeUntil({ groupId, topics: [topic] }, (records) =>
      records.some((record) => record.value.toString() === 'second'),
    );
    assert.deepEqual(
      afterRestart.map((record) => record.value.toString()),
      ['second'],
    );
  },
);

test(
  'a record whose handler still fails at shutdown is left uncommitted and redelivered',
  {
    timeout: 60_000,
  },
  async () => {
    const topic = 'runner-uncommitted';
    const groupId = 'runner-uncommitted-group';
    await publishAll(topic, [{ key: 'order-1', value: 'stubborn' }]);
    const { promise: failedOnce, resolve } = Promise.withResolvers<void>();
    const runner = await startConsumer({
      connection,
      groupId,
      topics: [topic],
      log: silent,
      retry: { maxAttempts: 100, initialDelayMs: 60_000, maxDelayMs: 60_000 },
      handler: async () => {
        resolve();
        throw new Error('downstream down');
      },
    });
    try {
      await expectWithin(failedOnce, 'the first failure');
    } finally {
      await runner.stop();
    }

    const redelivered = await consumeUntil({ groupId, topics: [topic] }, (records) => records.length === 1);
    assert.equal(redelivered[0].value.toString(), 'stubborn');
  },
);

test(
  'a poison record goes to the group DLQ with its headers at once, and the records after it are processed',
  {
    timeout: 60_000,
  },
  async () => {
    const topic = 'runner-poison';
    const groupId = 'runner-poison-group';
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await publishAll(topic, [
      { key: 'order-7', value: 'ok-1' },
      { key: 'order-7', value: 'not json', headers: { 'x-source': 'test', 'content-type': 'text/plain' }, traceparent },
      { key: 'order-7', value: 'ok-2' },
    ]);
    const metrics = consumerMetrics();
    const handled: string[] = [];
    let poison: ConsumedRecord | undefined;
    let poisonCalls = 0;
    const { promise: finished, resolve } = Promise.withResolvers<void>();
    const runner = await startConsumer({
      connection,
      groupId,
      topics: [topic],
      log: silent,
      metrics,
      retry: fastRetry,
      handler: async (record) => {
        const value = record.value.toString();
        if (value === 'not json') {
          poison = record;
          poisonCalls += 1;
          throw new PoisonEventError('EVENT_MALFORMED_JSON', 'not UTF-8 JSON: Unexpected token');
        }
        handled.push(value);
        if (value === 'ok-2') {
          resolve();
        }
      },
    });
    try {
      await expectWithin(finished, 'the record after the poison one');
    } finally {
      await runner.stop();
    }
    assert.deepEqual(handled, ['ok-1', 'ok-2']);
    assert.equal(poisonCalls, 1, 'a poison record is not retried');
    assert.equal(
      await metricValue(metrics.eventsDeadLettered, { topic, group: groupId, code: 'EVENT_MALFORMED_JSON' }),
      1,
    );
    assert.equal(await metricValue(metrics.eventsRetried, { topic, group: groupId }), undefined);

    const [letter] = await consumeUntil(
      { groupId: 'dlq-reader', topics: [`${topic}.${groupId}.dlq`] },
      (records) => records.length === 1,
    );
    assert.ok(poison);
    assert.equal(letter.key?.toString(), 'order-7');
    assert.equal(letter.value.toString(), 'not json');
    assert.equal(letter.headers['x-source'], 'test');
    assert.equal(letter.headers['content-type'], 'text/plain');
    assert.equal(letter.headers['dlq-original-topic'], topic);
    assert.equal(letter.headers['dlq-original-partition'], String(poison.partition));
    assert.equal(letter.headers['dlq-original-offset'], String(poison.offset));
    assert.equal(letter.headers['dlq-attempts'], '1');
    assert.equal(letter.headers['dlq-error-code'], 'EVENT_MALFORMED_JSON');
    assert.equal(letter.headers['dlq-error-reason'], 'not UTF-8 JSON: Unexpected token');
    assert.equal(letter.headers['dlq-consumer-group'], groupId);
    assert.equal(letter.traceId, '0af7651916cd43dd8448eb211c80319c', 'the dead letter stays in the original trace');
  },
);

test(
  'a record failing every attempt, or with a code marked as poison, is dead-lettered with its attempt count',
  {
    timeout: 60_000,
  },
  async () => {
    const topic = 'runner-exhausted';
    const groupId = 'runner-exhausted-group';
    await publishAll(topic, [
      { key: 'a', value: 'always-fails' },
      { key: 'a', value: 'bad-payload' },
      { key: 'a', value: 'fine' },
    ]);
    const calls = new Map<string, number>();
    const { promise: finished, resolve } = Promise.withResolvers<void>();
    const runner = await startConsumer({
      connection,
      groupId,
      topics: [topic],
      log: silent,
      retry: { maxAttempts: 3, ...fastRetry },
      poisonCodes: ['BAD_PAYLOAD'],
      handler: async (record) => {
        const value = record.value.toString();
        calls.set(value, (calls.get(value) ?? 0) + 1);
        if (value === 'always-fails') {
          throw Object.assign(new Error('inventory service timed out'), { code: 'INVENTORY_TIMEOUT' });
        }
        if (value === 'bad-payload') {
          throw Object.assign(new Error('quantity is negative'), { code: 'BAD_PAYLOAD' });
        }
        resolve();
      },
    });
    try {
      await expectWithin(finished, 'the record after the dead-lettered ones');
    } finally {
      await runner.stop();
    }
    assert.deepEqual(Object.fromEntries(calls), { 'always-fails': 3, 'bad-payload': 1, fine: 1 });

    const letters = await consumeUntil(
      { groupId: 'dlq-reader', topics: [`${topic}.${groupId}.dlq`] },
      (records) => records.length === 2,
    );
    assert.deepEqual(
      letters.map((letter) => [
        letter.value.toString(),
        letter.headers['dlq-attempts'],
        letter.headers['dlq-error-code'],
        letter.headers['dlq-error-reason'],
      ]),
      [
        ['always-fails', '3', 'INVENTORY_TIMEOUT', 'inventory service timed out'],
        ['bad-payload', '1', 'BAD_PAYLOAD', 'quantity is negative'],
      ],
    );
  },
);

test(
  'a store outage longer than the retry budget is waited out: the records are handled once it is back, none dead-lettered',
  {
    timeout: 60_000,
  },
  async () => {
    const topic = 'runner-outage';
    const groupId = 'runner-outage-group';
    await publishAll(topic, [
      { key: 'order-1', value: 'first' },
      { key: 'order-1', value: 'second' },
    ]);
    const metrics = consumerMetrics();
    const budget = 3;
    // The store stays down for three times the budget, counted in failed calls rather than waited for in time.
    const outageCalls = budget * 3;
    let calls = 0;
    const handled: string[] = [];
    const { promise: bothHandled, resolve } = Promise.withResolvers<void>();
    const runner = await startConsumer({
      connection,
      groupId,
      topics: [topic],
      log: silent,
      metrics,
      retry: { maxAttempts: budget, ...fastRetry },
      handler: async (record) => {
        calls += 1;
        if (calls <= outageCalls) {
          throw PlatformErrors.create('STORE_UNAVAILABLE', 'Redis connection lost');
        }
        handled.push(record.value.toString());
        if (handled.length === 2) resolve();
      },
    });
    try {
      await expectWithin(bothHandled, 'both records once the store is back');
    } finally {
      await runner.stop();
    }
    assert.deepEqual(handled, ['first', 'second']);
    assert.equal(await metricValue(metrics.eventsRetried, { topic, group: groupId }), outageCalls);
    assert.deepEqual((await metrics.eventsDeadLettered.get()).values, [], 'nothing was dead-lettered');
  },
);

test(
  'records are handled one at a time in offset order per partition, and partitions concurrently',
  {
    timeout: 60_000,
  },
  async () => {
    const topic = 'runner-order';
    const keys = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7'];
    const perKey = 10;
    const records: PublishRecord[] = [];
    for (let sequence = 0; sequence < perKey; sequence++) {
      for (const key of keys) {
        records.push({ key, value: `${key}:${sequence}` });
      }
    }
    await publishAll(topic, records);

    const offsetsByPartition = new Map<number, bigint[]>();
    const sequencesByKey = new Map<string, number[]>();
    const active = new Map<number, number>();
    let overlapWithinPartition = false;
    const { promise: otherPartitionStarted, resolve: otherPartitionSeen } = Promise.withResolvers<void>();
    let firstPartition: number | undefined;
    const { promise: allHandled, resolve } = Promise.withResolvers<void>();
    let count = 0;
    const runner = await startConsumer({
      connection,
      groupId: 'runner-order-group',
      topics: [topic],
      log: silent,
      handler: async (record) => {
        const running = (active.get(record.partition) ?? 0) + 1;
        active.set(record.partition, running);
        overlapWithinPartition ||= running > 1;
        firstPartition ??= record.partition;
        if (record.partition !== firstPartition) {
          otherPartitionSeen();
        } else if (count === 0) {
          // Holding the first partition until another one makes progress proves partitions run concurrently.
          await otherPartitionStarted;
        }
        await new Promise((done) => setImmediate(done));
        const [key, sequence] = record.value.toString().split(':');
        offsetsByPartition.set(record.partition, [...(offsetsByPartition.get(record.partition) ?? []), record.offset]);
        sequencesByKey.set(key, [...(sequencesByKey.get(key) ?? []), Number(sequence)]);
        active.set(record.partition, running - 1);
        count += 1;
        if (count === records.length) {
          resolve();
        }
      },
    });
    try {
      await expectWithin(allHandled, 'every record to be handled');
    } finally {
      await runner.stop();
    }
    assert.equal(overlapWithinPartition, false, 'two records of one partition were handled at the same time');
    assert.ok(offsetsByPartition.size > 1, 'the keys should spread over several partitions');
    for (const [partition, offsets] of offsetsByPartition) {
      assert.deepEqual(
        offsets,
        offsets.map((_, index) => offsets[0] + BigInt(index)),
        `partition ${partition} out of order or with gaps`,
      );
    }
    for (const key of keys) {
      assert.deepEqual(
        sequencesByKey.get(key),
        Array.from({ length: perKey }, (_, index) => index),
        key,
      );
    }
  },
);

test(
  'stop() finishes the in-flight handler, commits it, and a new runner resumes right after it',
  {
    timeout: 60_000,
  },
  async () => {
    const topic = 'runner-stop';
    const groupId = 'runner-stop-group';
    await publishAll(
      topic,
      Array.from({ length: 10 }, (_, index) => ({ key: 'order-9', value: String(index) })),
    );
    const firstRun: string[] = [];
    const { promise: inFlight, resolve: handlerStarted } = Promise.withResolvers<void>();
    const { promise: gate, resolve: openGate } = Promise.withResolvers<void>();
    const runner = await startConsumer({
      connection,
      groupId,
      topics: [topic],
      log: silent,
      handler: async (record) => {
        const value = record.value.toString();
        if (value === '3') {
          handlerStarted();
          await gate;
        }
        firstRun.push(value);
      },
    });
    try {
      await expectWithin(inFlight, 'record 3 to be in flight');
      assert.equal(runner.isAssigned(), true);
      const stopped = runner.stop();
      openGate();
      await stopped;
    } finally {
      openGate();
      await runner.stop();
    }
    assert.equal(runner.isAssigned(), false);
    assert.deepEqual(firstRun, ['0', '1', '2', '3'], 'queued records are not handled once stopping');

    const secondRun = await consumeUntil({ groupId, topics: [topic] }, (records) =>
      records.some((record) => record.value.toString() === '9'),
    );
    assert.deepEqual(
      secondRun.map((record) => record.value.toString()),
      ['4', '5', '6', '7', '8', '9'],
    );
  },
);

test(
  'assignments, lag, debug per-event logs and handler logs bound to the trace id are reported',
  {
    timeout: 60_000,
  },
  async () => {
    const topic = 'runner-lag';
    const groupId = 'runner-lag-group';
    const lines: Record<string, unknown>[] = [];
    const log = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const metrics = consumerMetrics();
    const { promise: firstStarted, resolve: started } = Promise.withResolvers<ConsumedRecord>();
    const { promise: gate, resolve: openGate } = Promise.withResolvers<void>();
    const { promise: allHandled, resolve: done } = Promise.withResolvers<void>();
    let handled = 0;
    const runner = await startConsumer({
      connection,
      groupId,
      topics: [topic],
      log,
      metrics,
      handler: async (record, context) => {
        started(record);
        await gate;
        context.log.info({ value: record.value.toString() }, 'handler line');
        handled += 1;
        if (handled === 3) {
          done();
        }
      },
    });
    try {
      const traces = [
        '00-11111111111111111111111111111111-1111111111111111-01',
        '00-22222222222222222222222222222222-2222222222222222-01',
        '00-33333333333333333333333333333333-3333333333333333-01',
      ];
      await publishAll(
        topic,
        traces.map((traceparent, index) => ({ key: 'same-partition', value: String(index), traceparent })),
      );
      const first = await expectWithin(firstStarted, 'the first record');
      assert.equal(runner.isAssigned(), true);
      const assigned = runner.assignments();
      assert.ok(assigned.length > 0);
      assert.ok(assigned.every((assignment) => assignment.topic === topic));
      assert.ok(assigned.some((assignment) => assignment.partition === first.partition));

      const partition = String(first.partition);
      const lagBefore = await runner.refreshLag();
      assert.deepEqual(
        lagBefore.find((entry) => entry.partition === first.partition),
        { topic, partition: first.partition, lag: 3 },
      );
      assert.equal(await metricValue(metrics.consumerLag, { topic, group: groupId, partition }), 3);

      openGate();
      await expectWithin(allHandled, 'the three records');
      // Commits run in the background: poll until the one covering the last record has landed.
      let lag = -1;
      for (let attempt = 0; attempt < 200 && lag !== 0; attempt++) {
        const entries = await runner.refreshLag();
        lag = entries.find((entry) => entry.partition === first.partition)?.lag ?? -1;
        if (lag !== 0) {
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
      }
      assert.equal(lag, 0);
      assert.equal(await metricValue(metrics.consumerLag, { topic, group: groupId, partition }), 0);

      const handledLogs = lines.filter((line) => line.msg === 'kafka event handled');
      assert.deepEqual(
        handledLogs.map((line) => line.traceId),
        traces.map((traceparent) => traceparent.split('-')[1]),
      );
      assert.ok(handledLogs.every((line) => line.groupId === groupId && line.topic === topic));
      assert.ok(
        handledLogs.every((line) => line.level === 20),
        'the per-event line is at debug level',
      );
      const handlerLines = lines.filter((line) => line.msg === 'handler line');
      assert.deepEqual(
        handlerLines.map((line) => [line.value, line.traceId, line.partition, line.topic, line.groupId]),
        traces.map((traceparent, index) => [String(index), traceparent.split('-')[1], first.partition, topic, groupId]),
      );
    } finally {
      openGate();
      await runner.stop();
    }
  },
);

test(
  'two runners of one group split the partitions and together handle every record once',
  {
    timeout: 60_000,
  },
  async () => {
    const topic = 'runner-shared';
    const groupId = 'runner-shared-group';
    await publishAll(topic, [{ key: 'warm-up', value: 'warm-up' }]);
    const handledBy = new Map<string, string[]>();
    const { promise: allHandled, resolve } = Promise.withResolvers<void>();
    const expected = 40;
    const start = (name: string) =>
      startConsumer({
        connection,
        groupId,
        topics: [topic],
        log: silent,
        heartbeatIntervalMs: 100,
        sessionTimeoutMs: 6000,
        handler: async (record) => {
          const value = record.value.toString();
          handledBy.set(value, [...(handledBy.get(value) ?? []), name]);
          if ([...handledBy.keys()].filter((key) => key !== 'warm-up').length === expected) {
            resolve();
          }
        },
      });
    const first = await start('first');
    const second = await start('second');
    try {
      // The first member learns of the rebalance on a heartbeat; wait until the two hold disjoint shares of the topic.
      await expectWithin(
        (async () => {
          for (;;) {
            const owned = [...first.assignments(), ...second.assignments()].map((entry) => entry.partition);
            if (
              first.assignments().length > 0 &&
              second.assignments().length > 0 &&
              new Set(owned).size === owned.length
            ) {
              return;
            }
            await new Promise((done) => setTimeout(done, 20));
          }
        })(),
        'both members to hold partitions',
      );
      await publishAll(
        topic,
        Array.from({ length: expected }, (_, index) => ({ key: `order-${index}`, value: `order-${index}` })),
      );
      await expectWithin(allHandled, 'every record to be handled');
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
    const duplicates = [...handledBy].filter(([value, names]) => value !== 'warm-up' && names.length > 1);
    assert.deepEqual(duplicates, []);
    const handlers = new Set([...handledBy.values()].flat());
    assert.deepEqual([...handlers].sort(), ['first', 'second']);
  },
);
