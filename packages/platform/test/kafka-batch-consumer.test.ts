import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ConsumedRecord, PoisonEventError } from '../src/kafka/index.ts';
import { consumerMetrics, expectWithin, fastRetry, metricValue, slow, useTestBroker } from './fixtures/kafka-runner.ts';
import { assertHandledInOrder, keyedRecords } from './fixtures/partition-order.ts';

// The consumer runner with a batch handler: the records queued for a partition handed over together, committed
// once the batch resolved, and handled one by one with the per-record handler when it fails.

const kafka = useTestBroker('batch-test');
const { publishAll, consumeUntil } = kafka;
const keys = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7'];

const values = (records: readonly ConsumedRecord[]) => records.map((record) => record.value.toString());
const unexpected = async (record: ConsumedRecord) => {
  throw new Error(`the per-record handler was not expected to run, got ${record.value.toString()}`);
};

test(
  'batches hold consecutive records of one partition in offset order, up to maxBatchSize, one at a time',
  slow,
  async () => {
    const topic = 'batch-order';
    const perKey = 12;
    const records = keyedRecords(keys, perKey);
    await publishAll(topic, records);

    const metrics = consumerMetrics();
    const batches: ConsumedRecord[][] = [];
    const inFlight = new Map<number, number>();
    let overlapWithinPartition = false;
    let handled = 0;
    const { promise: allHandled, resolve } = Promise.withResolvers<void>();
    await kafka.withRunner(
      {
        groupId: 'batch-order-group',
        topics: [topic],
        metrics,
        maxBatchSize: 7,
        handler: unexpected,
        handleBatch: async (batch) => {
          const partition = batch[0]!.partition;
          const running = (inFlight.get(partition) ?? 0) + 1;
          inFlight.set(partition, running);
          overlapWithinPartition ||= running > 1;
          await new Promise((done) => setImmediate(done));
          batches.push([...batch]);
          inFlight.set(partition, running - 1);
          handled += batch.length;
          if (handled === records.length) {
            resolve();
          }
        },
      },
      () => expectWithin(allHandled, 'every record to be handled in batches'),
    );
    assert.equal(overlapWithinPartition, false, 'two batches of one partition were handled at the same time');
    assert.ok(
      batches.every((batch) => batch.length >= 1 && batch.length <= 7),
      'a batch was empty or above maxBatchSize',
    );
    assert.ok(
      batches.some((batch) => batch.length === 7),
      'records queued together should fill a batch to maxBatchSize',
    );
    for (const batch of batches) {
      assert.equal(new Set(batch.map((record) => record.partition)).size, 1, 'a batch mixed partitions');
    }
    assertHandledInOrder(batches.flat(), keys, perKey);
    assert.equal(
      await metricValue(metrics.eventsConsumed, { topic, group: 'batch-order-group' }),
      records.length,
      'consumed counts records, not batches',
    );
  },
);

test(
  'a batch is committed only once it resolved: a restart resumes at the batch that was cut short',
  slow,
  async () => {
    const topic = 'batch-restart';
    const groupId = 'batch-restart-group';
    const total = 30;
    await publishAll(
      topic,
      Array.from({ length: total }, (_, index) => ({ key: 'one-partition', value: String(index) })),
    );
    const completed: string[] = [];
    let cutShort: string[] = [];
    const { promise: blocked, resolve: reachedBlocked } = Promise.withResolvers<void>();
    await kafka.withRunner(
      {
        groupId,
        topics: [topic],
        maxBatchSize: 10,
        // Leaves half a second for handlers before aborting them; the rest is for committing and leaving the group.
        shutdownTimeoutMs: 2500,
        handler: unexpected,
        handleBatch: async (batch, { signal }) => {
          if (values(batch).includes('20')) {
            cutShort = values(batch);
            reachedBlocked();
            // Never finishes on its own: shutdown gives up on it, as on a handler stuck on a dead dependency.
            await new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
          }
          completed.push(...values(batch));
        },
      },
      () => expectWithin(blocked, 'the batch holding record 20'),
    );
    const resumeAt = Number(cutShort[0]);
    assert.deepEqual(
      completed,
      Array.from({ length: resumeAt }, (_, index) => String(index)),
      'the batches before the one cut short were handled',
    );

    const redelivered = await consumeUntil({ groupId, topics: [topic] }, (records) =>
      records.some((record) => record.value.toString() === String(total - 1)),
    );
    assert.deepEqual(
      values(redelivered),
      Array.from({ length: total - resumeAt }, (_, index) => String(resumeAt + index)),
      'exactly the records from the unfinished batch on are redelivered',
    );
  },
);

test(
  'a failing batch is handled one by one: only the poison record is dead-lettered, its neighbours processed',
  slow,
  async () => {
    const topic = 'batch-poison';
    const groupId = 'batch-poison-group';
    const before = ['ok-0', 'ok-1', 'ok-2', 'ok-3'];
    const afterPoison = ['ok-4', 'ok-5', 'ok-6'];
    await publishAll(
      topic,
      [...before, 'poison', ...afterPoison].map((value) => ({ key: 'order-7', value })),
    );
    const metrics = consumerMetrics();
    const handledInBatches: string[] = [];
    const handledSingly: string[] = [];
    const order: string[] = [];
    let poisonCalls = 0;
    let progress = () => {};
    const handledAll = (expected: string[]) =>
      expectWithin(
        new Promise<void>((resolve) => {
          progress = () => {
            if (expected.every((value) => order.includes(value))) resolve();
          };
          progress();
        }),
        `${expected.join(', ')} to be handled`,
      );
    await kafka.withRunner(
      {
        groupId,
        topics: [topic],
        metrics,
        retry: fastRetry,
        handleBatch: async (batch) => {
          if (values(batch).includes('poison')) {
            throw new Error('one record of the batch cannot be processed');
          }
          handledInBatches.push(...values(batch));
          order.push(...values(batch));
          progress();
        },
        handler: async (record) => {
          const value = record.value.toString();
          if (value === 'poison') {
            poisonCalls += 1;
            throw new PoisonEventError('EVENT_MALFORMED_JSON', 'not UTF-8 JSON');
          }
          handledSingly.push(value);
          order.push(value);
          progress();
        },
      },
      async () => {
        await handledAll([...before, ...afterPoison]);
        // After the fallback the partition is back on the batch handler.
        await publishAll(topic, [{ key: 'order-7', value: 'ok-7' }]);
        await handledAll(['ok-7']);
      },
    );
    assert.deepEqual(order, [...before, ...afterPoison, 'ok-7'], 'each record once, in offset order');
    assert.equal(poisonCalls, 1, 'a poison record is not retried');
    assert.ok(
      handledSingly.length > 0,
      'the poison record shared its batch with other records, which the per-record handler then took',
    );
    assert.ok(handledInBatches.includes('ok-7'));
    assert.equal(await metricValue(metrics.eventsConsumed, { topic, group: groupId }), 8);
    assert.equal(
      await metricValue(metrics.eventsDeadLettered, { topic, group: groupId, code: 'EVENT_MALFORMED_JSON' }),
      1,
    );
    assert.equal(await metricValue(metrics.eventsRetried, { topic, group: groupId }), undefined);

    const letters = await consumeUntil(
      { groupId: 'dlq-reader', topics: [`${topic}.${groupId}.dlq`] },
      (records) => records.length === 1,
    );
    assert.deepEqual(values(letters), ['poison']);
    assert.equal(letters[0]!.headers['dlq-attempts'], '1');
  },
);

for (const mode of ['batch', 'record'] as const) {
  test(`every partition with records gets them while the buffer is full (${mode} handler)`, slow, async () => {
    const topic = `batch-starvation-${mode}`;
    const records = keyedRecords(keys, 40);
    await publishAll(topic, records);
    const all = await consumeUntil(
      { groupId: `${topic}-survey`, topics: [topic] },
      (seen) => seen.length === records.length,
    );
    const withRecords = new Set(all.map((record) => record.partition));
    assert.ok(withRecords.size > 1, 'the keys should spread over several partitions');

    // Every partition's first call waits until all of them are in a call. A runner that let one partition fill the
    // buffer and held the others' records back would never get there.
    const started = new Set<number>();
    const { promise: allStarted, resolve: everyPartitionStarted } = Promise.withResolvers<void>();
    const { promise: allHandled, resolve: done } = Promise.withResolvers<void>();
    let handled = 0;
    const work = async (partition: number, count: number) => {
      if (!started.has(partition)) {
        started.add(partition);
        if (started.size === withRecords.size) everyPartitionStarted();
        await allStarted;
      }
      handled += count;
      if (handled === records.length) done();
    };
    const runner = await kafka.startRunner({
      groupId: `${topic}-group`,
      topics: [topic],
      maxBufferedRecords: 20,
      maxBatchSize: 5,
      ...(mode === 'batch'
        ? { handler: unexpected, handleBatch: (batch) => work(batch[0]!.partition, batch.length) }
        : { handler: (record) => work(record.partition, 1) }),
    });
    try {
      await expectWithin(allStarted, 'a call in flight on every partition with records');
      await expectWithin(allHandled, 'every record to be handled');
    } finally {
      await runner.stop();
    }
  });
}
