// Requests two real Kafka clients encode, decoded by our codecs, so that a misreading of the protocol shared by our
// generator and our own tests cannot go unnoticed. kafkajs covers the classic versions it speaks; @platformatic/kafka
// covers the flexible ones (compact encodings, tagged fields).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeFetchRequest } from '../src/protocol/generated/fetch.ts';
import { decodeJoinGroupRequest } from '../src/protocol/generated/join-group.ts';
import { decodeMetadataRequest } from '../src/protocol/generated/metadata.ts';
import { decodeProduceRequest } from '../src/protocol/generated/produce.ts';
import { Reader } from '../src/protocol/reader.ts';
import {
  kafkajs,
  platformaticProduce,
  platformaticFetch,
  platformaticMetadata,
  platformaticJoinGroup,
  TOPIC_ID,
  recordValues,
} from './protocol-interop-support.ts';

describe('Produce requests', () => {
  for (const version of [3, 8, 9, 11]) {
    it(`v${version} from @platformatic/kafka decodes`, () => {
      const api = platformaticProduce[version];
      const request = api.createRequest(-1, 1500, [
        { topic: 'orders', partition: 1, key: Buffer.from('order-1'), value: Buffer.from('{"total":42}') },
      ]);
      const reader = new Reader(request.buffer);
      const decoded = decodeProduceRequest(reader, version);
      assert.equal(reader.remaining, 0);
      assert.equal(decoded.transactionalId, null);
      assert.equal(decoded.acks, -1);
      assert.equal(decoded.timeoutMs, 1500);
      assert.equal(decoded.topicData[0].name, 'orders');
      const partition = decoded.topicData[0].partitionData[0];
      assert.equal(partition.index, 1);
      assert.ok(partition.records);
      assert.deepEqual(recordValues(partition.records), ['{"total":42}']);
    });
  }

  for (const version of [3, 7]) {
    it(`v${version} from kafkajs decodes`, async () => {
      const { request } = kafkajs('produce').protocol({ version })({
        acks: 1,
        timeout: 2500,
        transactionalId: 'tx-1',
        topicData: [{ topic: 'orders', partitions: [{ partition: 0, messages: [{ key: 'k', value: 'v-kafkajs' }] }] }],
      });
      const reader = new Reader((await request.encode()).buffer);
      const decoded = decodeProduceRequest(reader, version);
      assert.equal(reader.remaining, 0);
      assert.equal(decoded.transactionalId, 'tx-1');
      assert.equal(decoded.acks, 1);
      assert.equal(decoded.timeoutMs, 2500);
      assert.equal(decoded.topicData[0].name, 'orders');
      const partition = decoded.topicData[0].partitionData[0];
      assert.equal(partition.index, 0);
      assert.ok(partition.records);
      assert.deepEqual(recordValues(partition.records), ['v-kafkajs']);
    });
  }
});

describe('Fetch requests', () => {
  for (const version of [4, 12, 13, 17]) {
    it(`v${version} from @platformatic/kafka decodes`, () => {
      const api = platformaticFetch[version];
      const topic = version >= 13 ? TOPIC_ID : 'orders';
      const request = api.createRequest(
        500,
        1,
        1048576,
        1,
        0,
        -1,
        [
          {
            topicId: topic,
            partitions: [
              { partition: 2, currentLeaderEpoch: 3, fetchOffset: 42n, lastFetchedEpoch: 1, partitionMaxBytes: 65536 },
            ],
          },
        ],
        [],
        'rack-a',
      );
      const reader = new Reader(request.buffer);
      const decoded = decodeFetchRequest(reader, version);
      assert.equal(reader.remaining, 0);
      assert.equal(decoded.maxWaitMs, 500);
      assert.equal(decoded.minBytes, 1);
      assert.equal(decoded.maxBytes, 1048576);
      assert.equal(decoded.isolationLevel, 1);
      if (version >= 13) assert.equal(decoded.topics[0].topicId, TOPIC_ID);
      else assert.equal(decoded.topics[0].topic, 'orders');
      const partition = decoded.topics[0].partitions[0];
      assert.equal(partition.partition, 2);
      assert.equal(partition.fetchOffset, 42n);
      assert.equal(partition.partitionMaxBytes, 65536);
      if (version >= 12) {
        assert.equal(partition.currentLeaderEpoch, 3);
        assert.equal(partition.lastFetchedEpoch, 1);
        assert.equal(decoded.rackId, 'rack-a');
      }
    });
  }

  for (const version of [0, 4, 11]) {
    it(`v${version} from kafkajs decodes`, async () => {
      const { request } = kafkajs('fetch').protocol({ version })({
        replicaId: -1,
        maxWaitTime: 100,
        minBytes: 1,
        maxBytes: 2048,
        topics: [{ topic: 'orders', partitions: [{ partition: 0, fetchOffset: '7', maxBytes: 1024 }] }],
        rackId: 'rack-b',
      });
      const reader = new Reader((await request.encode()).buffer);
      const decoded = decodeFetchRequest(reader, version);
      assert.equal(reader.remaining, 0);
      assert.equal(decoded.replicaId, -1);
      assert.equal(decoded.maxWaitMs, 100);
      assert.equal(decoded.topics[0].topic, 'orders');
      assert.equal(decoded.topics[0].partitions[0].fetchOffset, 7n);
      assert.equal(decoded.topics[0].partitions[0].partitionMaxBytes, 1024);
      if (version >= 3) assert.equal(decoded.maxBytes, 2048);
      if (version >= 11) assert.equal(decoded.rackId, 'rack-b');
    });
  }
});

describe('Metadata requests', () => {
  for (const version of [0, 4, 9, 12]) {
    it(`v${version} from @platformatic/kafka decodes`, () => {
      const api = platformaticMetadata[version];
      const request = api.createRequest(['orders', 'payments'], false, true);
      const reader = new Reader(request.buffer);
      const decoded = decodeMetadataRequest(reader, version);
      assert.equal(reader.remaining, 0);
      assert.deepEqual(
        decoded.topics?.map((topic) => topic.name),
        ['orders', 'payments'],
      );
      if (version >= 4) assert.equal(decoded.allowAutoTopicCreation, false);
      if (version >= 8) assert.equal(decoded.includeTopicAuthorizedOperations, true);
    });
  }

  for (const version of [1, 4, 6]) {
    it(`v${version} from kafkajs decodes`, async () => {
      const { request } = kafkajs('metadata').protocol({ version })({
        topics: ['orders'],
        allowAutoTopicCreation: false,
      });
      const reader = new Reader((await request.encode()).buffer);
      const decoded = decodeMetadataRequest(reader, version);
      assert.equal(reader.remaining, 0);
      assert.deepEqual(
        decoded.topics?.map((topic) => topic.name),
        ['orders'],
      );
      if (version >= 4) assert.equal(decoded.allowAutoTopicCreation, false);
    });
  }
});

describe('JoinGroup requests', () => {
  for (const version of [0, 5, 6, 9]) {
    it(`v${version} from @platformatic/kafka decodes`, () => {
      const api = platformaticJoinGroup[version];
      const request = api.createRequest(
        'group-1',
        30000,
        60000,
        'member-1',
        'instance-1',
        'consumer',
        [{ name: 'range', metadata: Buffer.from('subscription') }],
        'rejoining',
      );
      const reader = new Reader(request.buffer);
      const decoded = decodeJoinGroupRequest(reader, version);
      assert.equal(reader.remaining, 0);
      assert.equal(decoded.groupId, 'group-1');
      assert.equal(decoded.sessionTimeoutMs, 30000);
      assert.equal(decoded.memberId, 'member-1');
      assert.equal(decoded.protocolType, 'consumer');
      assert.equal(decoded.protocols[0].name, 'range');
      assert.equal(decoded.protocols[0].metadata.toString(), 'subscription');
      if (version >= 1) assert.equal(decoded.rebalanceTimeoutMs, 60000);
      if (version >= 5) assert.equal(decoded.groupInstanceId, 'instance-1');
      if (version >= 8) assert.equal(decoded.reason, 'rejoining');
    });
  }

  for (const version of [0, 1, 5]) {
    it(`v${version} from kafkajs decodes`, async () => {
      const { request } = kafkajs('joinGroup').protocol({ version })({
        groupId: 'group-2',
        sessionTimeout: 10000,
        rebalanceTimeout: 20000,
        memberId: '',
        groupInstanceId: null,
        protocolType: 'consumer',
        groupProtocols: [{ name: 'roundrobin', metadata: Buffer.from('md') }],
      });
      const reader = new Reader((await request.encode()).buffer);
      const decoded = decodeJoinGroupRequest(reader, version);
      assert.equal(reader.remaining, 0);
      assert.equal(decoded.groupId, 'group-2');
      assert.equal(decoded.sessionTimeoutMs, 10000);
      assert.equal(decoded.memberId, '');
      assert.equal(decoded.protocols[0].name, 'roundrobin');
      assert.equal(decoded.protocols[0].metadata.toString(), 'md');
      if (version >= 1) assert.equal(decoded.rebalanceTimeoutMs, 20000);
      if (version >= 5) assert.equal(decoded.groupInstanceId, null);
    });
  }
});
