// Committed offsets decide where a group continues: after a consumer restarts (commit, close, a new consumer in the
// same group) and after the broker restarts on the same data directory. Each step is a different client, so one
// client's OffsetCommit is read back by another's OffsetFetch: every step must start, on every partition, exactly at
// the offset the previous step committed, and the steps together read every record once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Admin } from 'kafkajs';
import { startTestBroker, type TestBroker, temporaryDirectory } from './broker-test-support.ts';
import { type PythonClient, pythonRead } from './clients/client-processes.ts';
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

  /**
   * One step: `client` joins the group, reads `count` records from its committed offsets and commits where it
   * stopped; `check` then holds the step to the group's progress so far.
   */
  async resumeWith(
    client: 'platformatic' | PythonClient,
    cluster: { admin: Admin; bootstrap: string },
    count: number,
    when = '',
  ): Promise<void> {
    const read =
      client === 'platformatic'
        ? await platformaticConsumeAndCommit(cluster.bootstrap, TOPIC, this.groupId, count)
        : await pythonRead(client, cluster.bootstrap, TOPIC, count, ['--group', this.groupId, '--commit']);
    const name = client === 'platformatic' ? '@platformatic/kafka' : client;
    await this.check(cluster.admin, when === '' ? name : `${name} ${when}`, read);
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

    const cluster = { admin, bootstrap: broker.bootstrap };
    await group.resumeWith('platformatic', cluster, 12);
    await group.resumeWith('platformatic', cluster, 10, 'restarted');
    await group.resumeWith('kafka-python', cluster, 10);
    await group.resumeWith('confluent-kafka', cluster, 8);
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
      const cluster = { admin: beforeAdmin, bootstrap: before.bootstrap };
      await billing.resumeWith('confluent-kafka', cluster, 15, 'before the restart');
      await shipping.resumeWith('platformatic', cluster, 25, 'before the restart');
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

      const cluster = { admin: afterAdmin, bootstrap: after.bootstrap };
      await billing.resumeWith('kafka-python', cluster, 50 - 15, 'after the restart');
      await shipping.resumeWith('platformatic', cluster, 50 - 25, 'after the restart');
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
