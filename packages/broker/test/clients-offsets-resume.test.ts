// Committed offsets decide where a group continues: after a consumer restarts (commit, close, a new consumer in the
// same group) and after the broker restarts on the same data directory. Each step is a different client, so one
// client's OffsetCommit is read back by another's OffsetFetch: every step must start, on every partition, exactly at
// the offset the previous step committed, and the steps together read every record once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Admin } from 'kafkajs';
import { startTestBroker, type TestBroker, temporaryDirectory } from './broker-test-support.ts';
import { pythonRead } from './clients/client-processes.ts';
import {
  kafkajsClient,
  kafkajsProduce,
  platformaticConsumeAndCommit,
  type RecordToProduce,
  type WireRecord,
} from './clients/node-clients.ts';

const TOPIC = 'ledger';
const PARTITIONS = 2;

const hex = (text: string) => Buffer.from(text, 'utf8').toString('hex');

/** Records `from` to `to` (exclusive) of each partition, so a value names its own partition and offset. */
function recordsOf(from: number, to: number): RecordToProduce[] {
  return Array.from({ length: PARTITIONS }, (_, partition) =>
    Array.from({ length: to - from }, (_, index) => {
      const value = hex(`${partition}:${from + index}`);
      return { partition, key: value, value, headers: [] };
    }),
  ).flat();
}

async function createTopic(broker: TestBroker): Promise<void> {
  const admin = kafkajsClient(broker.bootstrap).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }] });
  } finally {
    await admin.disconnect();
  }
}

async function committedOffsets(admin: Admin, groupId: string): Promise<number[]> {
  const [topic] = await admin.fetchOffsets({ groupId, topics: [TOPIC] });
  return topic.partitions.toSorted((a, b) => a.partition - b.partition).map((p) => Number(p.offset));
}

/**
 * Follows a group from step to step: each step's records must continue every partition exactly where the group's
 * commit left it (offset 0 before any commit), and the broker must then report the new commits.
 */
class GroupProgress {
  readonly groupId: string;
  readonly positions: number[] = Array.from({ length: PARTITIONS }, () => 0);
  constructor(groupId: string) {
    this.groupId = groupId;
  }

  async check(admin: Admin, step: string, read: readonly WireRecord[]): Promise<void> {
    for (let partition = 0; partition < PARTITIONS; partition++) {
      const offsets = read.filter((record) => record.partition === partition).map((record) => record.offset);
      const start = this.positions[partition];
      assert.deepEqual(
        offsets,
        offsets.map((_, index) => start + index),
        `${step} continues partition ${partition} at its committed offset ${start}`,
      );
      for (const record of read.filter((r) => r.partition === partition)) {
        assert.equal(Buffer.from(record.value!, 'hex').toString(), `${partition}:${record.offset}`);
      }
      this.positions[partition] = start + offsets.length;
    }
    assert.deepEqual(
      await committedOffsets(admin, this.groupId),
      this.committed(),
      `${step} committed where it stopped`,
    );
  }

  /** The committed offsets the broker should report: -1 for a partition the group never read, so never committed. */
  committed(): number[] {
    return this.positions.map((position) => (position === 0 ? -1 : position));
  }
}

test('a group continues after its last commit when its consumer restarts, whichever client resumes', async () => {
  const broker = await startTestBroker();
  const admin = kafkajsClient(broker.bootstrap).admin();
  try {
    await createTopic(broker);
    await kafkajsProduce(broker.bootstrap, TOPIC, recordsOf(0, 20));
    await admin.connect();
    const group = new GroupProgress('ledger-readers');

    await group.check(
      admin,
      '@platformatic/kafka',
      await platformaticConsumeAndCommit(broker.bootstrap, TOPIC, group.groupId, 12),
    );
    await group.check(
      admin,
      '@platformatic/kafka restarted',
      await platformaticConsumeAndCommit(broker.bootstrap, TOPIC, group.groupId, 10),
    );
    await group.check(
      admin,
      'kafka-python',
      await pythonRead('kafka-python', broker.bootstrap, TOPIC, 10, ['--group', group.groupId, '--commit']),
    );
    await group.check(
      admin,
      'confluent-kafka',
      await pythonRead('confluent-kafka', broker.bootstrap, TOPIC, 8, ['--group', group.groupId, '--commit']),
    );
    assert.deepEqual(group.positions, [20, 20], 'the four steps read the whole topic once');
  } finally {
    await admin.disconnect();
    await broker.dispose();
  }
});

test('groups continue after their last commit when the broker restarts on the same data directory', async () => {
  const directory = temporaryDirectory();
  const billing = new GroupProgress('billing');
  const shipping = new GroupProgress('shipping');
  try {
    const before = await startTestBroker({ dataDir: directory.path });
    const beforeAdmin = kafkajsClient(before.bootstrap).admin();
    try {
      await createTopic(before);
      await kafkajsProduce(before.bootstrap, TOPIC, recordsOf(0, 20));
      await beforeAdmin.connect();
      await billing.check(
        beforeAdmin,
        'confluent-kafka before the restart',
        await pythonRead('confluent-kafka', before.bootstrap, TOPIC, 15, ['--group', billing.groupId, '--commit']),
      );
      await shipping.check(
        beforeAdmin,
        '@platformatic/kafka before the restart',
        await platformaticConsumeAndCommit(before.bootstrap, TOPIC, shipping.groupId, 25),
      );
    } finally {
      await beforeAdmin.disconnect();
      await before.close();
    }

    const after = await startTestBroker({ dataDir: directory.path });
    const afterAdmin = kafkajsClient(after.bootstrap).admin();
    try {
      await afterAdmin.connect();
      assert.deepEqual(await committedOffsets(afterAdmin, billing.groupId), billing.committed());
      assert.deepEqual(await committedOffsets(afterAdmin, shipping.groupId), shipping.committed());
      // The log continues where it was: new records follow the old ones.
      const acknowledged = await kafkajsProduce(after.bootstrap, TOPIC, recordsOf(20, 25));
      assert.deepEqual(
        acknowledged.map((ack) => ack.offset),
        [20, 21, 22, 23, 24, 20, 21, 22, 23, 24],
      );

      await billing.check(
        afterAdmin,
        'kafka-python after the restart',
        await pythonRead('kafka-python', after.bootstrap, TOPIC, 50 - 15, ['--group', billing.groupId, '--commit']),
      );
      await shipping.check(
        afterAdmin,
        '@platformatic/kafka after the restart',
        await platformaticConsumeAndCommit(after.bootstrap, TOPIC, shipping.groupId, 50 - 25),
      );
      assert.deepEqual(billing.positions, [25, 25]);
      assert.deepEqual(shipping.positions, [25, 25]);
    } finally {
      await afterAdmin.disconnect();
      await after.close();
    }
  } finally {
    directory.remove();
  }
});
