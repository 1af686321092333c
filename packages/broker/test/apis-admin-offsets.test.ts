// ListOffsets and OffsetForLeaderEpoch: as kafkajs and @platformatic/kafka ask them of a running broker, and at every
// version this broker serves through the generated codecs. The log used by the version sweeps holds
//   offset 0 @ t=1000, offset 1 @ t=3000, offset 2 @ t=2000, offset 3 @ t=3000
// so "first offset at or after a timestamp" and "first record with the max timestamp" differ from naive answers.
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { Admin, ListOffsetTimestamps } from '@platformatic/kafka';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { listOffsetsHandler } from '../src/apis/02-list-offsets.ts';
import { offsetForLeaderEpochHandler } from '../src/apis/23-offset-for-leader-epoch.ts';
import { ErrorCode } from '../src/protocol/error-codes.ts';
import type { ListOffsetsResponseListOffsetsPartitionResponse } from '../src/protocol/generated/list-offsets.ts';
import { call, type HandlerContext, openContext, startTestBroker, versionsOf } from './apis-admin-support.ts';
import { buildRecordBatch } from './record-batch-builder.ts';

const TOPIC = 'offsets';

async function contextWithRecords(t: TestContext): Promise<HandlerContext> {
  const context = openContext(t);
  assert.equal(context.broker.logs.createTopic(TOPIC, 2).errorCode, ErrorCode.NONE);
  const partition = context.broker.logs.partition(TOPIC, 0);
  assert.ok(partition !== undefined);
  for (const records of [
    [
      { value: 'a', timestamp: 1000n },
      { value: 'b', timestamp: 3000n },
    ],
    [
      { value: 'c', timestamp: 2000n },
      { value: 'd', timestamp: 3000n },
    ],
  ]) {
    const appended = partition.append([buildRecordBatch({ baseTimestamp: 1000n, records })]);
    assert.equal(appended.errorCode, ErrorCode.NONE);
    await appended.durable;
  }
  assert.equal(partition.highWatermark, 4n);
  return context;
}

/** Produces one record a timestamp to partition 0, in this order: what the tests look up is by timestamp. */
async function produceAtTimestamps(producer: Producer, timestamps: readonly number[]): Promise<void> {
  await producer.send({
    topic: TOPIC,
    messages: timestamps.map((timestamp, index) => ({
      partition: 0,
      value: `record ${index}`,
      timestamp: String(timestamp),
    })),
  });
}

async function listOffset(
  context: HandlerContext,
  version: number,
  timestamp: bigint,
  partitionIndex = 0,
  currentLeaderEpoch = -1,
): Promise<ListOffsetsResponseListOffsetsPartitionResponse> {
  const response = await call(context, listOffsetsHandler, version, {
    replicaId: -1,
    isolationLevel: 0,
    topics: [{ name: TOPIC, partitions: [{ partitionIndex, timestamp, currentLeaderEpoch, maxNumOffsets: 1 }] }],
  });
  assert.equal(response.topics.length, 1);
  assert.equal(response.topics[0].partitions.length, 1);
  return response.topics[0].partitions[0];
}

test('kafkajs finds a topic’s offsets, and the offset for a timestamp, in produced data', async (t) => {
  const broker = await startTestBroker(t);
  const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const producer = kafka.producer();
  await admin.connect();
  await producer.connect();
  t.after(() => Promise.all([admin.disconnect(), producer.disconnect()]));
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2 }] });
  await produceAtTimestamps(producer, [1000, 3000, 2000]);

  const offsets = await admin.fetchTopicOffsets(TOPIC);
  assert.deepEqual(
    offsets.map(({ partition, low, high }) => ({ partition, low, high })),
    [
      { partition: 0, low: '0', high: '3' },
      { partition: 1, low: '0', high: '0' },
    ],
  );
  const at = async (timestamp: number) =>
    (await admin.fetchTopicOffsetsByTimestamp(TOPIC, timestamp)).find(({ partition }) => partition === 0)?.offset;
  assert.equal(await at(1000), '0');
  assert.equal(await at(1500), '1', 'the first record at or after the timestamp, in offset order');
  // Nothing that recent: the broker answers -1 and kafkajs substitutes the end of the log.
  assert.equal(await at(9000), '3');
});

test('@platformatic/kafka lists earliest, latest and max-timestamp offsets (KIP-734)', async (t) => {
  const broker = await startTestBroker(t);
  const producer = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  t.after(() => producer.disconnect());
  await produceAtTimestamps(producer, [1000, 5000, 2000]);
  const admin = new Admin({ clientId: 'offsets-test', bootstrapBrokers: [broker.bootstrap] });
  t.after(() => admin.close());
  const list = async (timestamp: bigint) => {
    const [topic] = await admin.listOffsets({
      topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, timestamp }] }],
    });
    const [partition] = topic.partitions;
    return { offset: partition.offset, timestamp: partition.timestamp };
  };
  assert.deepEqual(await list(ListOffsetTimestamps.EARLIEST), { offset: 0n, timestamp: -1n });
  assert.deepEqual(await list(ListOffsetTimestamps.LATEST), { offset: 3n, timestamp: -1n });
  assert.deepEqual(await list(ListOffsetTimestamps.MAX), { offset: 1n, timestamp: 5000n });
  assert.deepEqual(await list(2000n), { offset: 1n, timestamp: 5000n });
});

test('ListOffsets at every version: latest, earliest and timestamp lookups, with v0’s offset list', async (t) => {
  const context = await contextWithRecords(t);
  for (const version of versionsOf(listOffsetsHandler)) {
    const expectations: [bigint, bigint, bigint][] = [
      [-1n, 4n, -1n],
      [-2n, 0n, -1n],
      [1000n, 0n, 1000n],
      [1001n, 1n, 3000n],
      [2000n, 1n, 3000n],
      [3001n, -1n, -1n],
    ];
    for (const [timestamp, offset, foundTimestamp] of expectations) {
      const answer = await listOffset(context, version, timestamp);
      assert.equal(answer.errorCode, ErrorCode.NONE);
      const label = `v${version} timestamp ${timestamp}`;
      if (version === 0) {
        assert.deepEqual(answer.oldStyleOffsets, offset >= 0n ? [offset] : [], label);
        continue;
      }
      assert.equal(answer.offset, offset, label);
      assert.equal(answer.timestamp, foundTimestamp, label);
      if (version >= 4) assert.equal(answer.leaderEpoch, offset >= 0n ? 0 : -1, label);
    }
  }
});

test('ListOffsets special timestamps: max timestamp (v7+), earliest local (v8+) and latest tiered (v9+)', async (t) => {
  const context = await contextWithRecords(t);
  for (const version of versionsOf(listOffsetsHandler).filter((version) => version >= 7)) {
    const max = await listOffset(context, version, -3n);
    assert.deepEqual([max.offset, max.timestamp], [1n, 3000n], `v${version}: the first record with the max timestamp`);
    if (version >= 8) assert.equal((await listOffset(context, version, -4n)).offset, 0n, `v${version}`);
    if (version >= 9) assert.equal((await listOffset(context, version, -5n)).offset, -1n, `v${version}`);
  }
  const empty = await listOffset(context, 7, -3n, 1);
  assert.deepEqual([empty.errorCode, empty.offset, empty.timestamp], [ErrorCode.NONE, -1n, -1n]);
});

test('ListOffsets reports unknown partitions, future leader epochs and repeated partitions per partition', async (t) => {
  const context = await contextWithRecords(t);
  for (const version of versionsOf(listOffsetsHandler)) {
    assert.equal((await listOffset(context, version, -1n, 5)).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    if (version >= 4) {
      assert.equal((await listOffset(context, version, -1n, 0, 1)).errorCode, ErrorCode.UNKNOWN_LEADER_EPOCH);
      assert.equal((await listOffset(context, version, -1n, 0, 0)).errorCode, ErrorCode.NONE);
    }
    const response = await call(context, listOffsetsHandler, version, {
      replicaId: -1,
      isolationLevel: 0,
      topics: [
        {
          name: 'missing',
          partitions: [{ partitionIndex: 0, timestamp: -1n, currentLeaderEpoch: -1, maxNumOffsets: 1 }],
        },
        {
          name: TOPIC,
          partitions: [
            { partitionIndex: 1, timestamp: -1n, currentLeaderEpoch: -1, maxNumOffsets: 1 },
            { partitionIndex: 1, timestamp: -2n, currentLeaderEpoch: -1, maxNumOffsets: 1 },
          ],
        },
      ],
    });
    assert.deepEqual(
      response.topics.map((topic) => [topic.name, topic.partitions.map((partition) => partition.errorCode)]),
      [
        ['missing', [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]],
        [
          TOPIC,
          version >= 1 ? [ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST] : [ErrorCode.NONE, ErrorCode.NONE],
        ],
      ],
      `v${version}`,
    );
  }
});

test('ListOffsets with read_committed gets the high watermark too: there are no open transactions', async (t) => {
  const context = await contextWithRecords(t);
  const response = await call(context, listOffsetsHandler, 5, {
    replicaId: -1,
    isolationLevel: 1,
    topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, timestamp: -1n, currentLeaderEpoch: 0 }] }],
  });
  assert.equal(response.topics[0].partitions[0].offset, 4n);
});

test('OffsetForLeaderEpoch at every version: epoch 0 ends at the log end, later epochs are unknown', async (t) => {
  const context = await contextWithRecords(t);
  for (const version of versionsOf(offsetForLeaderEpochHandler)) {
    const response = await call(context, offsetForLeaderEpochHandler, version, {
      replicaId: -1,
      topics: [
        {
          topic: TOPIC,
          partitions: [
            { partition: 0, currentLeaderEpoch: 0, leaderEpoch: 0 },
            { partition: 1, currentLeaderEpoch: -1, leaderEpoch: 0 },
            { partition: 0, currentLeaderEpoch: -1, leaderEpoch: 3 },
            { partition: 9, currentLeaderEpoch: -1, leaderEpoch: 0 },
          ],
        },
        { topic: 'missing', partitions: [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }] },
      ],
    });
    const answers = response.topics.flatMap((topic) =>
      topic.partitions.map((partition) => [topic.topic, partition.partition, partition.errorCode, partition.endOffset]),
    );
    assert.deepEqual(
      answers,
      [
        [TOPIC, 0, ErrorCode.NONE, 4n],
        [TOPIC, 1, ErrorCode.NONE, 0n],
        [TOPIC, 0, ErrorCode.NONE, -1n],
        [TOPIC, 9, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1n],
        ['missing', 0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1n],
      ],
      `v${version}`,
    );
    if (version >= 1) {
      assert.deepEqual(
        response.topics[0].partitions.map((partition) => partition.leaderEpoch),
        [0, 0, -1, -1],
        `v${version}`,
      );
    }
  }
  const fenced = await call(context, offsetForLeaderEpochHandler, 2, {
    topics: [{ topic: TOPIC, partitions: [{ partition: 0, currentLeaderEpoch: 1, leaderEpoch: 0 }] }],
  });
  assert.equal(fenced.topics[0].partitions[0].errorCode, ErrorCode.UNKNOWN_LEADER_EPOCH);
});
