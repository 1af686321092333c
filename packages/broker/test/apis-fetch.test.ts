// Fetch against a real broker (--fsync batch, so data becomes readable once synced, as in production), spoken byte
// for byte: when a long poll returns (woken by a produce, or after max_wait, or at once when min_bytes is met or a
// partition has an error), how max_bytes and partition_max_bytes bound the answer (KIP-74: except for the first
// batch of the first partition with data), and that an offset inside a batch returns the whole batch.
//
// No test here measures speed. A long poll that must return early is only held to a generous bound (half its
// max_wait, from the moment of the produce): the point is that it was woken instead of waiting max_wait out.
import assert from 'node:assert/strict';
import { after, before, test, type TestContext } from 'node:test';
import { ErrorCode } from '../src/protocol/error-codes.ts';
import type { FetchRequestFetchPartition } from '../src/protocol/generated/fetch.ts';
import { startTestBroker, type TestBroker } from './broker-test-support.ts';
import { buildRecordBatch, decodeValues, valuesBatch } from './record-batch-builder.ts';
import { baseOffsets } from './storage-support.ts';
import { ApiKey, createTopic, fetchPartition, fetchRequest, produceRequest, WireClient } from './wire-client.ts';

const LONG_WAIT_MS = 5000;
const SHORT_WAIT_MS = 1000;
/** Timers may fire a millisecond early, and the broker's clock starts after ours. */
const TIMER_TOLERANCE_MS = 20;

let broker: TestBroker;

before(async () => {
  broker = await startTestBroker();
});
after(() => broker.dispose());

async function connect(t: TestContext): Promise<WireClient> {
  const client = await WireClient.connect(broker.port);
  t.after(() => client.close());
  return client;
}

async function produce(client: WireClient, topic: string, partition: number, records: Buffer): Promise<bigint> {
  const response = await client.request(ApiKey.PRODUCE, 9, produceRequest(topic, [{ index: partition, records }]));
  const [result] = response.responses[0].partitionResponses;
  assert.equal(result.errorCode, ErrorCode.NONE, `produce to ${topic}-${partition}`);
  return result.baseOffset;
}

/**
 * Makes sure the broker has read a request already written on another connection: it reads sockets in the order
 * their data arrived and parks a long poll while handling it, so once it has answered a request written after it,
 * the long poll is waiting.
 */
async function brokerHasRead(other: WireClient): Promise<void> {
  await other.request(ApiKey.API_VERSIONS, 3, { clientSoftwareName: 'wire-test', clientSoftwareVersion: '1' });
}

function partitionFetch(
  partition: number,
  fetchOffset: bigint,
  partitionMaxBytes = 1024 * 1024,
): FetchRequestFetchPartition {
  return {
    partition,
    currentLeaderEpoch: -1,
    fetchOffset,
    lastFetchedEpoch: -1,
    logStartOffset: -1n,
    partitionMaxBytes,
  };
}

test('a long poll at the log end returns as soon as a record is produced, with the record', async (t) => {
  const topic = 'fetch-woken';
  const consumer = await connect(t);
  const producer = await connect(t);
  await createTopic(producer, topic, 1);
  await produce(producer, topic, 0, valuesBatch('before', 1));

  const fetchId = consumer.send(
    ApiKey.FETCH,
    12,
    fetchRequest([{ topic, partitions: [partitionFetch(0, 1n)] }], { maxWaitMs: LONG_WAIT_MS, minBytes: 1 }),
  );
  await brokerHasRead(producer);
  const producedAt = performance.now();
  await produce(producer, topic, 0, valuesBatch('woken', 1));
  const response = await consumer.response(ApiKey.FETCH, fetchId);

  assert.ok(response.receivedAt > producedAt, 'the fetch was still waiting when the record was produced');
  const [partition] = response.body.responses[0].partitions;
  assert.equal(partition.errorCode, ErrorCode.NONE);
  assert.deepEqual(decodeValues(partition.records!), ['woken-0']);
  assert.equal(partition.highWatermark, 2n);
  const afterProduceMs = response.receivedAt - producedAt;
  assert.ok(afterProduceMs < LONG_WAIT_MS / 2, `returned ${afterProduceMs.toFixed(0)} ms after the produce`);
});

test('a long poll with no data returns empty after max_wait', async (t) => {
  const topic = 'fetch-timeout';
  const client = await connect(t);
  await createTopic(client, topic, 1);
  const sentAt = performance.now();
  const partition = await fetchPartition(client, topic, 0, 0n, { maxWaitMs: SHORT_WAIT_MS, minBytes: 1 });
  const waitedMs = performance.now() - sentAt;
  assert.equal(partition.errorCode, ErrorCode.NONE);
  assert.equal(partition.records?.length ?? 0, 0);
  assert.equal(partition.highWatermark, 0n);
  assert.ok(waitedMs >= SHORT_WAIT_MS - TIMER_TOLERANCE_MS, `returned after ${waitedMs.toFixed(0)} ms`);
});

test('min_bytes more than is available waits out max_wait, then returns what there is', async (t) => {
  const topic = 'fetch-min-bytes-timeout';
  const client = await connect(t);
  await createTopic(client, topic, 1);
  const batch = valuesBatch('small', 1);
  await produce(client, topic, 0, batch);
  const sentAt = performance.now();
  const partition = await fetchPartition(client, topic, 0, 0n, {
    maxWaitMs: SHORT_WAIT_MS,
    minBytes: 10 * batch.length,
  });
  const waitedMs = performance.now() - sentAt;
  assert.ok(waitedMs >= SHORT_WAIT_MS - TIMER_TOLERANCE_MS, `returned after ${waitedMs.toFixed(0)} ms`);
  assert.deepEqual(decodeValues(partition.records!), ['small-0']);
});

test('a long poll woken by too little data keeps waiting until min_bytes are there', async (t) => {
  const topic = 'fetch-min-bytes-wake';
  const consumer = await connect(t);
  const producer = await connect(t);
  await createTopic(producer, topic, 1);
  // Three batches of the same size; the fetch wants more than two of them.
  const batches = ['one', 'two', 'six'].map((prefix) => valuesBatch(prefix, 1));
  assert.ok(batches.every((batch) => batch.length === batches[0].length));
  await produce(producer, topic, 0, batches[0]);

  const fetchId = consumer.send(
    ApiKey.FETCH,
    12,
    fetchRequest([{ topic, partitions: [partitionFetch(0, 0n)] }], {
      maxWaitMs: LONG_WAIT_MS,
      minBytes: 2 * batches[0].length + 1,
    }),
  );
  await brokerHasRead(producer);
  // The second batch wakes the fetch, which reads two batches, too few, and waits again: it is woken (and reads)
  // before the broker even answers this produce, so had it returned, it would have returned without the third.
  await produce(producer, topic, 0, batches[1]);
  const producedAt = performance.now();
  await produce(producer, topic, 0, batches[2]);
  const response = await consumer.response(ApiKey.FETCH, fetchId);
  const [partition] = response.body.responses[0].partitions;
  assert.deepEqual(decodeValues(partition.records!), ['one-0', 'two-0', 'six-0']);
  const afterProduceMs = response.receivedAt - producedAt;
  assert.ok(afterProduceMs < LONG_WAIT_MS / 2, `returned ${afterProduceMs.toFixed(0)} ms after the last produce`);
});

test('min_bytes 0 returns at once, even with no data', async (t) => {
  const topic = 'fetch-min-bytes-zero';
  const client = await connect(t);
  await createTopic(client, topic, 1);
  const sentAt = performance.now();
  const partition = await fetchPartition(client, topic, 0, 0n, { maxWaitMs: LONG_WAIT_MS, minBytes: 0 });
  const waitedMs = performance.now() - sentAt;
  assert.equal(partition.errorCode, ErrorCode.NONE);
  assert.equal(partition.records?.length ?? 0, 0);
  assert.ok(waitedMs < LONG_WAIT_MS / 2, `returned after ${waitedMs.toFixed(0)} ms`);
});

test('a long poll whose partition has an error returns the error at once', async (t) => {
  const topic = 'fetch-error-at-once';
  const client = await connect(t);
  await createTopic(client, topic, 1);
  for (const [partition, fetchOffset, errorCode] of [
    [0, 42n, ErrorCode.OFFSET_OUT_OF_RANGE],
    [7, 0n, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
  ] as const) {
    const sentAt = performance.now();
    const result = await fetchPartition(client, topic, partition, fetchOffset, {
      maxWaitMs: LONG_WAIT_MS,
      minBytes: 1,
    });
    const waitedMs = performance.now() - sentAt;
    assert.equal(result.errorCode, errorCode);
    assert.ok(waitedMs < LONG_WAIT_MS / 2, `error ${errorCode} returned after ${waitedMs.toFixed(0)} ms`);
  }
});

test('max_bytes and partition_max_bytes bound the response to whole batches', async (t) => {
  const topic = 'fetch-max-bytes';
  const client = await connect(t);
  await createTopic(client, topic, 1);
  const batches = ['b0', 'b1', 'b2', 'b3'].map((prefix) => valuesBatch(prefix, 3));
  for (const batch of batches) await produce(client, topic, 0, batch);
  const size = batches[0].length;
  const twoAndAHalf = Math.floor(2.5 * size);

  const byResponseLimit = await fetchPartition(client, topic, 0, 0n, { maxBytes: twoAndAHalf });
  assert.deepEqual(baseOffsets(byResponseLimit.records!), [0n, 3n], 'max_bytes: two whole batches');
  const byPartitionLimit = await fetchPartition(client, topic, 0, 0n, { partitionMaxBytes: twoAndAHalf });
  assert.deepEqual(baseOffsets(byPartitionLimit.records!), [0n, 3n], 'partition_max_bytes: two whole batches');
  const exact = await fetchPartition(client, topic, 0, 3n, { maxBytes: 2 * size });
  assert.deepEqual(baseOffsets(exact.records!), [3n, 6n], 'a limit of exactly two batches fits two');
  assert.equal(exact.highWatermark, 12n, 'the high watermark tells the consumer there is more');
});

test('a partition contributes at most 1 MiB of whole batches, even when the client allows more', async (t) => {
  const topic = 'fetch-partition-cap';
  const client = await connect(t);
  await createTopic(client, topic, 1);
  const batches = ['c0', 'c1', 'c2'].map((prefix) =>
    buildRecordBatch({ records: [{ value: prefix.repeat(200_000) }] }),
  );
  for (const batch of batches) await produce(client, topic, 0, batch);
  const fiftyMegabytes = 50 * 1024 * 1024;

  const partition = await fetchPartition(client, topic, 0, 0n, {
    maxBytes: fiftyMegabytes,
    partitionMaxBytes: fiftyMegabytes,
  });
  assert.deepEqual(baseOffsets(partition.records!), [0n, 1n], 'two 400 KB batches fit in 1 MiB, a third does not');
  assert.equal(partition.highWatermark, 3n, 'the high watermark tells the consumer there is more');
});

test('the first batch is returned whole even when it is larger than max_bytes (KIP-74)', async (t) => {
  const topic = 'fetch-kip-74';
  const client = await connect(t);
  await createTopic(client, topic, 1);
  const large = buildRecordBatch({ records: [{ value: 'L'.repeat(5000) }] });
  await produce(client, topic, 0, large);
  await produce(client, topic, 0, valuesBatch('after', 1));

  for (const limits of [{ maxBytes: 100 }, { partitionMaxBytes: 100 }, { maxBytes: 1, partitionMaxBytes: 0 }]) {
    const partition = await fetchPartition(client, topic, 0, 0n, limits);
    assert.equal(partition.errorCode, ErrorCode.NONE);
    assert.equal(partition.records!.length, large.length, `${JSON.stringify(limits)}: the whole first batch`);
    assert.deepEqual(baseOffsets(partition.records!), [0n], `${JSON.stringify(limits)}: and nothing more`);
  }
});

test('only the first partition with data may exceed the limits (KIP-74)', async (t) => {
  const topic = 'fetch-kip-74-partitions';
  const client = await connect(t);
  await createTopic(client, topic, 3);
  const large = buildRecordBatch({ records: [{ value: 'L'.repeat(5000) }] });
  const small = valuesBatch('small', 1);
  await produce(client, topic, 0, large);
  await produce(client, topic, 1, small);
  await produce(client, topic, 2, buildRecordBatch({ records: [{ value: 'M'.repeat(5000) }] }));
  const maxBytes = small.length + 100;

  const fetch = async (order: { partition: number; offset: bigint }[]) => {
    const response = await client.request(
      ApiKey.FETCH,
      12,
      fetchRequest([{ topic, partitions: order.map(({ partition, offset }) => partitionFetch(partition, offset)) }], {
        maxBytes,
      }),
    );
    return new Map(response.responses[0].partitions.map((partition) => [partition.partitionIndex, partition]));
  };

  // The large batch comes first: it is returned whole, and the small one no longer fits.
  const largeFirst = await fetch([
    { partition: 0, offset: 0n },
    { partition: 1, offset: 0n },
  ]);
  assert.equal(largeFirst.get(0)!.records!.length, large.length);
  assert.equal(largeFirst.get(1)!.records?.length ?? 0, 0);
  assert.equal(largeFirst.get(1)!.highWatermark, 1n);

  // The small batch comes first and fits; the large one after it is over what is left, and is not returned.
  const smallFirst = await fetch([
    { partition: 1, offset: 0n },
    { partition: 0, offset: 0n },
  ]);
  assert.equal(smallFirst.get(1)!.records!.length, small.length);
  assert.equal(smallFirst.get(0)!.records?.length ?? 0, 0, 'the second partition with data keeps to the limit');
  assert.equal(smallFirst.get(0)!.errorCode, ErrorCode.NONE);
  assert.equal(smallFirst.get(0)!.highWatermark, 1n);

  // A partition without data does not count as the first: the large batch after it is still returned whole.
  const emptyFirst = await fetch([
    { partition: 1, offset: 1n },
    { partition: 2, offset: 0n },
    { partition: 0, offset: 0n },
  ]);
  assert.equal(emptyFirst.get(1)!.records?.length ?? 0, 0);
  assert.deepEqual(decodeValues(emptyFirst.get(2)!.records!), ['M'.repeat(5000)]);
  assert.equal(emptyFirst.get(0)!.records?.length ?? 0, 0);
});

test('a fetch offset inside a batch returns that whole batch', async (t) => {
  const topic = 'fetch-inside-batch';
  const client = await connect(t);
  await createTopic(client, topic, 1);
  await produce(client, topic, 0, valuesBatch('first', 5));
  await produce(client, topic, 0, valuesBatch('second', 3));

  const fromTwo = await fetchPartition(client, topic, 0, 2n);
  assert.deepEqual(baseOffsets(fromTwo.records!), [0n, 5n], 'from offset 2: the batch holding 0-4, then the next');
  assert.deepEqual(decodeValues(fromTwo.records!).slice(0, 5), ['first-0', 'first-1', 'first-2', 'first-3', 'first-4']);
  const fromSeven = await fetchPartition(client, topic, 0, 7n);
  assert.deepEqual(baseOffsets(fromSeven.records!), [5n], 'from offset 7, the last: the batch holding 5-7');
  assert.deepEqual(decodeValues(fromSeven.records!), ['second-0', 'second-1', 'second-2']);
});
