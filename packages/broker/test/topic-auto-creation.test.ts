// Kafka's auto.create.topics.enable against a real broker: Metadata (at v0-3 always, at v4+ when the client sets
// allow_auto_topic_creation) and Produce create a missing topic with the configured default partition count; with
// auto-creation off both get UNKNOWN_TOPIC_OR_PARTITION and nothing is created. Every topic has a non-zero UUID topic
// id (Metadata v10+, KIP-516), stable across restarts, by which Fetch v13+ addresses it.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import type { StartBrokerOptions } from '../src/broker.ts';
import { ErrorCode } from '../src/protocol/error-codes.ts';
import type { MetadataRequest, MetadataResponse } from '../src/protocol/generated/metadata.ts';
import { startTestBroker, type TestBroker, temporaryDirectory } from './broker-test-support.ts';
import { decodeValues, valuesBatch } from './record-batch-builder.ts';
import { defer } from './storage-support.ts';
import { ApiKey, createTopic, fetchPartition, fetchRequest, produceRequest, WireClient } from './wire-client.ts';

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function brokerAndClient(
  t: TestContext,
  options: Partial<StartBrokerOptions> = {},
): Promise<{ broker: TestBroker; client: WireClient }> {
  const broker = await startTestBroker(options);
  defer(t, () => broker.dispose());
  const client = await WireClient.connect(broker.port);
  defer(t, () => client.close());
  return { broker, client };
}

/** A Metadata request for named topics; each version's codec writes the fields it carries (the flag from v4). */
function metadataFor(names: string[], allowAutoTopicCreation: boolean): MetadataRequest {
  return {
    topics: names.map((name) => ({ topicId: ZERO_UUID, name })),
    allowAutoTopicCreation,
    includeClusterAuthorizedOperations: false,
    includeTopicAuthorizedOperations: false,
  };
}

async function listedTopics(client: WireClient): Promise<MetadataResponse['topics']> {
  const response = await client.request(ApiKey.METADATA, 12, { topics: null, allowAutoTopicCreation: false });
  return response.topics;
}

function assertCreated(response: MetadataResponse, name: string, partitions: number, version: number): void {
  const [topic] = response.topics;
  assert.equal(topic.errorCode, ErrorCode.NONE, `Metadata v${version} for ${name}`);
  assert.equal(topic.name, name);
  const leader = response.brokers[0].nodeId;
  assert.deepEqual(
    topic.partitions.map((partition) => [partition.partitionIndex, partition.errorCode, partition.leaderId]),
    Array.from({ length: partitions }, (_, index) => [index, ErrorCode.NONE, leader]),
    `${name} has ${partitions} partitions, each led by this broker`,
  );
}

test('Metadata creates a missing topic with the default 3 partitions (v0-3 always, v4+ when allowed)', async (t) => {
  const { broker, client } = await brokerAndClient(t);
  assert.equal(broker.config.defaultPartitions, 3);
  for (const version of [0, 1, 3, 4, 9, 12]) {
    const name = `auto-metadata-v${version}`;
    const response = await client.request(ApiKey.METADATA, version, metadataFor([name], true));
    assertCreated(response, name, 3, version);
  }
  const listed = new Map((await listedTopics(client)).map((topic) => [topic.name, topic.partitions.length]));
  for (const version of [0, 1, 3, 4, 9, 12]) {
    assert.equal(listed.get(`auto-metadata-v${version}`), 3, 'listed afterwards, with 3 partitions');
  }
});

test('Produce to a missing topic creates it with the default partitions and stores the records', async (t) => {
  const { client } = await brokerAndClient(t);
  const topic = 'auto-produce';
  const response = await client.request(
    ApiKey.PRODUCE,
    9,
    produceRequest(topic, [{ index: 2, records: valuesBatch('auto', 2) }]),
  );
  const [partition] = response.responses[0].partitionResponses;
  assert.equal(partition.errorCode, ErrorCode.NONE);
  assert.equal(partition.baseOffset, 0n);
  const metadata = await client.request(ApiKey.METADATA, 12, metadataFor([topic], false));
  assertCreated(metadata, topic, 3, 12);
  const fetched = await fetchPartition(client, topic, 2, 0n);
  assert.deepEqual(decodeValues(fetched.records!), ['auto-0', 'auto-1']);
});

test('the partition count of auto-created topics is the configured one', async (t) => {
  const { client } = await brokerAndClient(t, { defaultPartitions: 5 });
  const byMetadata = await client.request(ApiKey.METADATA, 12, metadataFor(['auto-five-metadata'], true));
  assertCreated(byMetadata, 'auto-five-metadata', 5, 12);
  const produced = await client.request(
    ApiKey.PRODUCE,
    9,
    produceRequest('auto-five-produce', [{ index: 4, records: valuesBatch('five', 1) }]),
  );
  assert.equal(produced.responses[0].partitionResponses[0].errorCode, ErrorCode.NONE);
  const metadata = await client.request(ApiKey.METADATA, 12, metadataFor(['auto-five-produce'], false));
  assertCreated(metadata, 'auto-five-produce', 5, 12);
});

test('Metadata v4+ with allow_auto_topic_creation false does not create the topic', async (t) => {
  const { client } = await brokerAndClient(t);
  for (const version of [4, 9, 12]) {
    const name = `not-allowed-v${version}`;
    const response = await client.request(ApiKey.METADATA, version, metadataFor([name], false));
    assert.equal(response.topics[0].errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Metadata v${version}`);
    assert.deepEqual(response.topics[0].partitions, []);
  }
  const names = (await listedTopics(client)).map((topic) => topic.name);
  assert.deepEqual(
    names.filter((name) => name?.startsWith('not-allowed')),
    [],
  );
});

test('with auto-creation disabled, Metadata and Produce to a missing topic get UNKNOWN_TOPIC_OR_PARTITION', async (t) => {
  const { client } = await brokerAndClient(t, { autoCreateTopics: false });
  for (const version of [1, 4, 12]) {
    const response = await client.request(ApiKey.METADATA, version, metadataFor(['missing'], true));
    assert.equal(response.topics[0].errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Metadata v${version}`);
  }
  for (const version of [3, 9, 11]) {
    const response = await client.request(
      ApiKey.PRODUCE,
      version,
      produceRequest('missing', [{ index: 0, records: valuesBatch('lost', 1) }]),
    );
    const [partition] = response.responses[0].partitionResponses;
    assert.equal(partition.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Produce v${version}`);
    assert.equal(partition.baseOffset, -1n);
  }
  assert.deepEqual(await listedTopics(client), [], 'no topic was created');
  // Creating a topic explicitly still works, and then producing to it does.
  await createTopic(client, 'missing', 1);
  const response = await client.request(
    ApiKey.PRODUCE,
    9,
    produceRequest('missing', [{ index: 0, records: valuesBatch('kept', 1) }]),
  );
  assert.equal(response.responses[0].partitionResponses[0].errorCode, ErrorCode.NONE);
});

test('Metadata v10+ carries a non-zero topic id, stable across restarts, and Fetch v13+ reads the topic by it', async (t) => {
  const dataDir = temporaryDirectory();
  defer(t, () => dataDir.remove());
  const topic = 'by-topic-id';
  let topicId: string;
  {
    const broker = await startTestBroker({ dataDir: dataDir.path });
    try {
      const client = await WireClient.connect(broker.port);
      try {
        const produced = await client.request(
          ApiKey.PRODUCE,
          9,
          produceRequest(topic, [{ index: 1, records: valuesBatch('id', 3) }]),
        );
        assert.equal(produced.responses[0].partitionResponses[0].errorCode, ErrorCode.NONE);
        const ids = [];
        for (const version of [10, 11, 12]) {
          const response = await client.request(ApiKey.METADATA, version, metadataFor([topic], false));
          assert.equal(response.topics[0].errorCode, ErrorCode.NONE);
          ids.push(response.topics[0].topicId);
        }
        topicId = ids[0]!;
        assert.match(topicId, UUID_SHAPE);
        assert.notEqual(topicId, ZERO_UUID);
        assert.deepEqual(ids, [topicId, topicId, topicId], 'the same id at every version');
      } finally {
        await client.close();
      }
    } finally {
      await broker.close();
    }
  }

  const { client } = await brokerAndClient(t, { dataDir: dataDir.path });
  const metadata = await client.request(ApiKey.METADATA, 12, metadataFor([topic], false));
  assert.equal(metadata.topics[0].topicId, topicId, 'the topic id survives a restart');
  // Metadata v12 names a topic by id alone, too.
  const byId = await client.request(ApiKey.METADATA, 12, {
    topics: [{ topicId, name: null }],
    allowAutoTopicCreation: false,
  });
  assert.equal(byId.topics[0].errorCode, ErrorCode.NONE);
  assert.equal(byId.topics[0].name, topic);

  const partitionAtZero = (partition: number) => ({
    partition,
    currentLeaderEpoch: -1,
    fetchOffset: 0n,
    lastFetchedEpoch: -1,
    logStartOffset: -1n,
    partitionMaxBytes: 1 << 20,
  });
  for (const version of [13, 15, 17]) {
    const response = await client.request(
      ApiKey.FETCH,
      version,
      fetchRequest([{ topicId, partitions: [partitionAtZero(1)] }], { maxWaitMs: 0 }),
    );
    assert.equal(response.errorCode, ErrorCode.NONE);
    assert.equal(response.responses[0].topicId, topicId, `Fetch v${version} answers with the topic id`);
    const [partition] = response.responses[0].partitions;
    assert.equal(partition.errorCode, ErrorCode.NONE, `Fetch v${version}`);
    assert.deepEqual(decodeValues(partition.records!), ['id-0', 'id-1', 'id-2']);
  }
  const unknown = await client.request(
    ApiKey.FETCH,
    13,
    fetchRequest([{ topicId: randomUUID(), partitions: [partitionAtZero(0)] }], { maxWaitMs: 0 }),
  );
  assert.equal(unknown.responses[0].partitions[0].errorCode, ErrorCode.UNKNOWN_TOPIC_ID);
});
