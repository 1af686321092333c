// Consumer groups with a real client (kafkajs) against the whole broker: partitions are shared between the members
// of a group and handed over when one leaves, and a group resumes from its committed offsets after a broker
// restart instead of reading everything again.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Consumer, type ConsumerGroupJoinEvent, Kafka, logLevel } from 'kafkajs';
import { startTestBroker, temporaryDirectory } from './broker-test-support.ts';

const TOPIC = 'orders';

function client(bootstrap: string): Kafka {
  return new Kafka({ brokers: [bootstrap], clientId: 'groups-test', logLevel: logLevel.NOTHING });
}

function consumer(kafka: Kafka): Consumer {
  // kafkajs heartbeats between fetches: short fetch waits and heartbeat intervals let members notice a rebalance
  // quickly. The session timeout is the broker's minimum.
  return kafka.consumer({
    groupId: 'billing',
    sessionTimeout: 6000,
    heartbeatInterval: 200,
    maxWaitTimeInMs: 200,
    retry: { retries: 20 },
  });
}

/** Resolves with the consumer's next completed join whose assignment satisfies `accept`. */
function nextJoin(member: Consumer, accept: (partitions: number[]) => boolean): Promise<number[]> {
  return new Promise((resolve) => {
    const remove = member.on(member.events.GROUP_JOIN, (event: ConsumerGroupJoinEvent) => {
      const partitions = [...(event.payload.memberAssignment[TOPIC] ?? [])].sort();
      if (!accept(partitions)) return;
      remove();
      resolve(partitions);
    });
  });
}

test('members of a group share the partitions, and a leaving member’s partitions go to the one that stays', async () => {
  const broker = await startTestBroker();
  const kafka = client(broker.bootstrap);
  const admin = kafka.admin();
  const first = consumer(kafka);
  const second = consumer(kafka);
  try {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 4 }] });
    const ignore = async () => {};

    const firstAlone = nextJoin(first, (partitions) => partitions.length === 4);
    await first.connect();
    await first.subscribe({ topic: TOPIC });
    await first.run({ eachMessage: ignore });
    assert.deepEqual(await firstAlone, [0, 1, 2, 3]);

    const firstShares = nextJoin(first, (partitions) => partitions.length === 2);
    const secondShares = nextJoin(second, (partitions) => partitions.length === 2);
    await second.connect();
    await second.subscribe({ topic: TOPIC });
    await second.run({ eachMessage: ignore });
    const [a, b] = await Promise.all([firstShares, secondShares]);
    assert.deepEqual([...a, ...b].sort(), [0, 1, 2, 3], 'every partition is assigned to exactly one member');

    const described = await admin.describeGroups(['billing']);
    assert.equal(described.groups[0].state, 'Stable');
    assert.equal(described.groups[0].members.length, 2);

    const firstTakesOver = nextJoin(first, (partitions) => partitions.length === 4);
    await second.disconnect();
    assert.deepEqual(await firstTakesOver, [0, 1, 2, 3]);
  } finally {
    await Promise.all([first.disconnect(), second.disconnect(), admin.disconnect()]);
    await broker.dispose();
  }
});

test('a group resumes from its committed offsets after the broker restarts', async () => {
  const directory = temporaryDirectory();
  try {
    const before = await startTestBroker({ dataDir: directory.path });
    try {
      const kafka = client(before.bootstrap);
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1 }] });
      await admin.disconnect();
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic: TOPIC, messages: ['old-0', 'old-1', 'old-2'].map((value) => ({ value })) });
      await producer.disconnect();

      const reader = consumer(kafka);
      await reader.connect();
      await reader.subscribe({ topic: TOPIC, fromBeginning: true });
      const committedAll = new Promise<void>((resolve) => {
        reader.on(reader.events.COMMIT_OFFSETS, (event) => {
          // kafkajs reports the partition as a string here.
          const partition = event.payload.topics[0]?.partitions.find((p) => String(p.partition) === '0');
          if (partition?.offset === '3') resolve();
        });
      });
      await reader.run({ eachMessage: async () => {} });
      await committedAll;
      await reader.disconnect();
    } finally {
      await before.close();
    }

    const after = await startTestBroker({ dataDir: directory.path });
    const kafka = client(after.bootstrap);
    const resumed = consumer(kafka);
    try {
      const admin = kafka.admin();
      await admin.connect();
      const [offsets] = await admin.fetchOffsets({ groupId: 'billing', topics: [TOPIC] });
      await admin.disconnect();
      assert.deepEqual(
        offsets.partitions.map((p) => [p.partition, p.offset]),
        [[0, '3']],
      );

      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic: TOPIC, messages: ['new-0', 'new-1'].map((value) => ({ value })) });
      await producer.disconnect();

      await resumed.connect();
      await resumed.subscribe({ topic: TOPIC, fromBeginning: true });
      const received: string[] = [];
      await new Promise<void>((resolve) => {
        void resumed.run({
          eachMessage: async ({ message }) => {
            received.push(String(message.value));
            if (received.length === 2) resolve();
          },
        });
      });
      assert.deepEqual(received, ['new-0', 'new-1'], 'consumption continues after the committed offset');
    } finally {
      await resumed.disconnect();
      await after.close();
    }
  } finally {
    directory.remove();
  }
});
