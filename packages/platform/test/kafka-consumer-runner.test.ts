import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { type ConsumedRecord, PoisonEventError } from '../src/kafka/index.ts';
import { PlatformErrors } from '../src/errors.ts';
import { eventually } from '../src/testing/eventually.ts';
import { consumerMetrics, expectWithin, fastRetry, metricValue, slow, useTestBroker } from './fixtures/kafka-runner.ts';
import { assertHandledInOrder, keyedRecords } from './fixtures/partition-order.ts';

const kafka = useTestBroker('runner-test');
const { publishAll, consumeUntil } = kafka;
const values = (records: readonly ConsumedRecord[]) => records.map((record) => record.value.toString());
/** The records of the group's dead-letter topic for `topic`, once there are `count` of them. */
const deadLetters = (topic: string, groupId: string, count: number) =>
  consumeUntil({ groupId: 'dlq-reader', topics: [`${topic}.${groupId}.dlq`] }, (records) => records.length === count);

test(
  'a failing handler is retried, committed only after it succeeds, and not redelivered after a restart',
  slow,
  async () => {
    const [topic, groupId] = ['runner-retry', 'runner-retry-group'];
    await publishAll(topic, [{ key: 'order-1', value: 'first' }]);
    const metrics = consumerMetrics();
    const attempts: number[] = [];
    const { promise: processed, resolve } = Promise.withResolvers<void>();
    const handler = async (_record: ConsumedRecord, { attempt }: { attempt: number }) => {
      attempts.push(attempt);
      if (attempt === 1) {
        throw new Error('stock database briefly unavailable');
      }
      resolve();
    };
    await kafka.withRunner({ groupId, topics: [topic], metrics, retry: fastRetry, handler }, () =>
      expectWithin(processed, 'the record to succeed on its second attempt'),
    );
    assert.deepEqual(attempts, [1, 2]);
    assert.equal(await metricValue(metrics.eventsRetried, { topic, group: groupId }), 1);
    assert.equal(await metricValue(metrics.eventsConsumed, { topic, group: groupId }), 1);

    await publishAll(topic, [{ key: 'order-1', value: 'second' }]);
    const afterRestart = await consumeUntil({ groupId, topics: [topic] }, (records) =>
      values(records).includes('second'),
    );
    assert.deepEqual(values(afterRestart), ['second']);
  },
);

test('a record whose handler still fails at shutdown is left uncommitted and redelivered', slow, async () => {
  const [topic, groupId] = ['runner-uncommitted', 'runner-uncommitted-group'];
  await publishAll(topic, [{ key: 'order-1', value: 'stubborn' }]);
  const { promise: failedOnce, resolve } = Promise.withResolvers<void>();
  const retry = { maxAttempts: 100, initialDelayMs: 60_000, maxDelayMs: 60_000 };
  const handler = async () => {
    resolve();
    throw new Error('downstream down');
  };
  await kafka.withRunner({ groupId, topics: [topic], retry, handler }, () =>
    expectWithin(failedOnce, 'the first failure'),
  );

  const redelivered = await consumeUntil({ groupId, topics: [topic] }, (records) => records.length === 1);
  assert.equal(redelivered[0].value.toString(), 'stubborn');
});

test(
  'a poison record goes to the group DLQ with its headers at once, and the records after it are processed',
  slow,
  async () => {
    const [topic, groupId] = ['runner-poison', 'runner-poison-group'];
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
    const handler = async (record: ConsumedRecord) => {
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
    };
    await kafka.withRunner({ groupId, topics: [topic], metrics, retry: fastRetry, handler }, () =>
      expectWithin(finished, 'the record after the poison one'),
    );
    assert.deepEqual(handled, ['ok-1', 'ok-2']);
    assert.equal(poisonCalls, 1, 'a poison record is not retried');
    assert.equal(
      await metricValue(metrics.eventsDeadLettered, { topic, group: groupId, code: 'EVENT_MALFORMED_JSON' }),
      1,
    );
    assert.equal(await metricValue(metrics.eventsRetried, { topic, group: groupId }), undefined);

    const [letter] = await deadLetters(topic, groupId, 1);
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
  slow,
  async () => {
    const [topic, groupId] = ['runner-exhausted', 'runner-exhausted-group'];
    await publishAll(
      topic,
      ['always-fails', 'bad-payload', 'fine'].map((value) => ({ key: 'a', value })),
    );
    const calls = new Map<string, number>();
    const { promise: finished, resolve } = Promise.withResolvers<void>();
    const handler = async (record: ConsumedRecord) => {
      const value = record.value.toString();
      calls.set(value, (calls.get(value) ?? 0) + 1);
      if (value === 'always-fails') {
        throw Object.assign(new Error('inventory service timed out'), { code: 'INVENTORY_TIMEOUT' });
      }
      if (value === 'bad-payload') {
        throw Object.assign(new Error('quantity is negative'), { code: 'BAD_PAYLOAD' });
      }
      resolve();
    };
    const retry = { maxAttempts: 3, ...fastRetry };
    await kafka.withRunner({ groupId, topics: [topic], retry, poisonCodes: ['BAD_PAYLOAD'], handler }, () =>
      expectWithin(finished, 'the record after the dead-lettered ones'),
    );
    assert.deepEqual(Object.fromEntries(calls), { 'always-fails': 3, 'bad-payload': 1, fine: 1 });

    const letters = await deadLetters(topic, groupId, 2);
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
  slow,
  async () => {
    const [topic, groupId] = ['runner-outage', 'runner-outage-group'];
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
    const handler = async (record: ConsumedRecord) => {
      calls += 1;
      if (calls <= outageCalls) {
        throw PlatformErrors.create('STORE_UNAVAILABLE', 'Redis connection lost');
      }
      handled.push(record.value.toString());
      if (handled.length === 2) resolve();
    };
    const retry = { maxAttempts: budget, ...fastRetry };
    await kafka.withRunner({ groupId, topics: [topic], metrics, retry, handler }, () =>
      expectWithin(bothHandled, 'both records once the store is back'),
    );
    assert.deepEqual(handled, ['first', 'second']);
    assert.equal(await metricValue(metrics.eventsRetried, { topic, group: groupId }), outageCalls);
    assert.deepEqual((await metrics.eventsDeadLettered.get()).values, [], 'nothing was dead-lettered');
  },
);

test('records are handled one at a time in offset order per partition, and partitions concurrently', slow, async () => {
  const topic = 'runner-order';
  const keys = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7'];
  const perKey = 10;
  const records = keyedRecords(keys, perKey);
  await publishAll(topic, records);

  const handled: ConsumedRecord[] = [];
  const active = new Map<number, number>();
  let overlapWithinPartition = false;
  const { promise: otherPartitionStarted, resolve: otherPartitionSeen } = Promise.withResolvers<void>();
  let firstPartition: number | undefined;
  const { promise: allHandled, resolve } = Promise.withResolvers<void>();
  const handler = async (record: ConsumedRecord) => {
    const running = (active.get(record.partition) ?? 0) + 1;
    active.set(record.partition, running);
    overlapWithinPartition ||= running > 1;
    firstPartition ??= record.partition;
    if (record.partition !== firstPartition) {
      otherPartitionSeen();
    } else if (handled.length === 0) {
      // Holding the first partition until another one makes progress proves partitions run concurrently.
      await otherPartitionStarted;
    }
    await new Promise((done) => setImmediate(done));
    handled.push(record);
    active.set(record.partition, running - 1);
    if (handled.length === records.length) {
      resolve();
    }
  };
  await kafka.withRunner({ groupId: 'runner-order-group', topics: [topic], handler }, () =>
    expectWithin(allHandled, 'every record to be handled'),
  );
  assert.equal(overlapWithinPartition, false, 'two records of one partition were handled at the same time');
  assertHandledInOrder(handled, keys, perKey);
});

test('stop() finishes the in-flight handler, commits it, and a new runner resumes right after it', slow, async () => {
  const [topic, groupId] = ['runner-stop', 'runner-stop-group'];
  await publishAll(
    topic,
    Array.from({ length: 10 }, (_, index) => ({ key: 'order-9', value: String(index) })),
  );
  const firstRun: string[] = [];
  const { promise: inFlight, resolve: handlerStarted } = Promise.withResolvers<void>();
  const { promise: gate, resolve: openGate } = Promise.withResolvers<void>();
  const runner = await kafka.startRunner({
    groupId,
    topics: [topic],
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

  const secondRun = await consumeUntil({ groupId, topics: [topic] }, (records) => values(records).includes('9'));
  assert.deepEqual(values(secondRun), ['4', '5', '6', '7', '8', '9']);
});

test('assignments, lag, debug per-event logs and handler logs bound to the trace id are reported', slow, async () => {
  const [topic, groupId] = ['runner-lag', 'runner-lag-group'];
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const metrics = consumerMetrics();
  const { promise: firstStarted, resolve: started } = Promise.withResolvers<ConsumedRecord>();
  const { promise: gate, resolve: openGate } = Promise.withResolvers<void>();
  const { promise: allHandled, resolve: done } = Promise.withResolvers<void>();
  let handled = 0;
  const runner = await kafka.startRunner({
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
    // Commits run in the background: wait until the one covering the last record has landed.
    await eventually('the lag to reach 0 once the last commit landed', async () => {
      const entries = await runner.refreshLag();
      assert.equal(entries.find((entry) => entry.partition === first.partition)?.lag, 0);
    });
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
});

test('two runners of one group split the partitions and together handle every record once', slow, async () => {
  const [topic, groupId] = ['runner-shared', 'runner-shared-group'];
  await publishAll(topic, [{ key: 'warm-up', value: 'warm-up' }]);
  const handledBy = new Map<string, string[]>();
  const { promise: allHandled, resolve } = Promise.withResolvers<void>();
  const expected = 40;
  const start = (name: string) =>
    kafka.startRunner({
      groupId,
      topics: [topic],
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
    await eventually('both members to hold disjoint partitions', () => {
      const owned = [...first.assignments(), ...second.assignments()].map((entry) => entry.partition);
      assert.ok(first.assignments().length > 0 && second.assignments().length > 0);
      assert.equal(new Set(owned).size, owned.length);
    });
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
});
