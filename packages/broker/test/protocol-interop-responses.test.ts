// Responses our codecs encode, parsed by the response parsers of two real Kafka clients, so that a misreading of the
// protocol shared by our generator and our own tests cannot go unnoticed. kafkajs covers the classic versions it
// speaks; @platformatic/kafka covers the flexible ones (compact encodings, tagged fields).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeFetchResponse, type FetchResponse } from '../src/protocol/generated/fetch.ts';
import { encodeJoinGroupResponse, type JoinGroupResponse } from '../src/protocol/generated/join-group.ts';
import { encodeMetadataResponse, type MetadataResponse } from '../src/protocol/generated/metadata.ts';
import { encodeProduceResponse, type ProduceResponse } from '../src/protocol/generated/produce.ts';
import {
  kafkajs,
  platformaticParse,
  encoded,
  platformaticProduce,
  platformaticFetch,
  platformaticMetadata,
  platformaticJoinGroup,
  TOPIC_ID,
  recordBatch,
  require,
} from './protocol-interop-support.ts';

function produceResponse(version: number): ProduceResponse {
  return {
    responses: [
      {
        name: 'orders',
        partitionResponses: [
          {
            index: 2,
            errorCode: 0,
            baseOffset: 41n,
            logAppendTimeMs: 1700000000000n,
            logStartOffset: 7n,
            recordErrors: [],
            errorMessage: null,
            ...(version >= 10 ? { currentLeader: { leaderId: 1, leaderEpoch: 9 } } : {}),
          },
        ],
      },
    ],
    throttleTimeMs: 12,
    ...(version >= 10 ? { nodeEndpoints: [{ nodeId: 1, host: 'broker-1', port: 9092, rack: 'rack-a' }] } : {}),
  };
}

describe('Produce responses', () => {
  for (const version of [3, 5, 7, 8, 9, 10, 11]) {
    it(`v${version} parses in @platformatic/kafka`, () => {
      const api = platformaticProduce[version];
      const body = encoded((w) => encodeProduceResponse(w, version, produceResponse(version)));
      const parsed = platformaticParse(api, body);
      assert.equal(parsed.throttleTimeMs, 12);
      assert.equal(parsed.responses[0].name, 'orders');
      const partition = parsed.responses[0].partitionResponses[0];
      assert.equal(partition.index, 2);
      assert.equal(partition.baseOffset, 41n);
      assert.equal(partition.logAppendTimeMs, 1700000000000n);
      if (version >= 5) assert.equal(partition.logStartOffset, 7n);
      if (version >= 10) {
        assert.deepEqual(partition.currentLeader, { leaderId: 1, leaderEpoch: 9 });
        assert.deepEqual(parsed.nodeEndpoints, [{ nodeId: 1, host: 'broker-1', port: 9092, rack: 'rack-a' }]);
      }
    });
  }

  for (const version of [0, 2, 3, 5, 7]) {
    it(`v${version} parses in kafkajs`, async () => {
      const { response } = kafkajs('produce').protocol({ version })({ acks: -1, timeout: 1000, topicData: [] });
      const body = encoded((w) => encodeProduceResponse(w, version, produceResponse(version)));
      const parsed = (await response.decode(body)) as {
        topics: { topicName: string; partitions: Record<string, unknown>[] }[];
        throttleTime?: number;
        clientSideThrottleTime?: number;
      };
      assert.equal(parsed.topics[0].topicName, 'orders');
      const partition = parsed.topics[0].partitions[0];
      assert.equal(partition.partition, 2);
      assert.equal(partition.errorCode, 0);
      // kafkajs names them `offset` and `timestamp` before v3.
      assert.equal(partition.baseOffset ?? partition.offset, '41');
      if (version >= 2) assert.equal(partition.logAppendTime ?? partition.timestamp, '1700000000000');
      if (version >= 5) assert.equal(partition.logStartOffset, '7');
      if (version >= 1) assert.equal(parsed.clientSideThrottleTime ?? parsed.throttleTime, 12);
    });
  }
});

// Fetch before v4 carries the legacy MessageSet format (a broker down-converts for such consumers); kafkajs encodes one.
const createMessageSet = require('kafkajs/src/protocol/messageSet/index.js') as (options: {
  messageVersion: number;
  compression: number;
  entries: { key: string; value: string }[];
}) => { buffer: Buffer };
const legacyMessageSet = createMessageSet({
  messageVersion: 0,
  compression: 0,
  entries: [{ key: 'order-1', value: '{"total":42}' }],
}).buffer;

function fetchResponse(version: number, records = recordBatch): FetchResponse {
  return {
    throttleTimeMs: 3,
    errorCode: 0,
    sessionId: 0,
    responses: [
      {
        topic: 'orders',
        topicId: TOPIC_ID,
        partitions: [
          {
            partitionIndex: 1,
            errorCode: 0,
            highWatermark: 10n,
            lastStableOffset: 9n,
            logStartOffset: 2n,
            abortedTransactions: [{ producerId: 77n, firstOffset: 4n }],
            preferredReadReplica: -1,
            records,
            ...(version >= 12 ? { currentLeader: { leaderId: 1, leaderEpoch: 6 } } : {}),
          },
        ],
      },
    ],
    ...(version >= 16 ? { nodeEndpoints: [{ nodeId: 1, host: 'broker-1', port: 9092, rack: null }] } : {}),
  };
}

describe('Fetch responses', () => {
  for (const version of [4, 7, 11, 12, 13, 16, 17]) {
    it(`v${version} parses in @platformatic/kafka, records included`, () => {
      const api = platformaticFetch[version];
      const body = encoded((w) => encodeFetchResponse(w, version, fetchResponse(version)));
      const parsed = platformaticParse(api, body);
      assert.equal(parsed.throttleTimeMs, 3);
      const topic = parsed.responses[0] as { topicId: string; partitions: (typeof parsed.responses)[0]['partitions'] };
      if (version >= 13) assert.equal(topic.topicId, TOPIC_ID);
      const partition = topic.partitions[0];
      assert.equal(partition.partitionIndex, 1);
      assert.equal(partition.highWatermark, 10n);
      assert.equal(partition.lastStableOffset, 9n);
      if (version >= 5) assert.equal(partition.logStartOffset, 2n);
      assert.deepEqual(partition.abortedTransactions, [{ producerId: 77n, firstOffset: 4n }]);
      assert.deepEqual(
        (partition.records ?? []).flatMap((batch) => batch.records.map((record) => String(record.value))),
        ['{"total":42}'],
      );
      if (version >= 12) assert.deepEqual(partition.currentLeader, { leaderId: 1, leaderEpoch: 6 });
      if (version >= 16)
        assert.deepEqual(parsed.nodeEndpoints, [{ nodeId: 1, host: 'broker-1', port: 9092, rack: null }]);
    });
  }

  for (const version of [0, 1, 4, 7, 11]) {
    it(`v${version} parses in kafkajs, records included`, async () => {
      const { response } = kafkajs('fetch').protocol({ version })({});
      const records = version >= 4 ? recordBatch : legacyMessageSet;
      const body = encoded((w) => encodeFetchResponse(w, version, fetchResponse(version, records)));
      const parsed = (await response.decode(body)) as {
        responses: { topicName: string; partitions: Record<string, unknown>[] }[];
      };
      assert.equal(parsed.responses[0].topicName, 'orders');
      const partition = parsed.responses[0].partitions[0] as {
        partition: number;
        highWatermark: string;
        messages: { value: Buffer }[];
        lastStableOffset?: string;
        abortedTransactions?: { producerId: string; firstOffset: string }[];
      };
      assert.equal(partition.partition, 1);
      assert.equal(partition.highWatermark, '10');
      if (version >= 4) {
        assert.equal(partition.lastStableOffset, '9');
        assert.deepEqual(partition.abortedTransactions, [{ producerId: '77', firstOffset: '4' }]);
      }
      assert.deepEqual(
        partition.messages.map((message) => message.value.toString()),
        ['{"total":42}'],
      );
    });
  }
});

function metadataResponse(): MetadataResponse {
  return {
    throttleTimeMs: 5,
    brokers: [{ nodeId: 1, host: 'broker-1', port: 9092, rack: 'rack-a' }],
    clusterId: 'cluster-1',
    controllerId: 1,
    topics: [
      {
        errorCode: 0,
        name: 'orders',
        topicId: TOPIC_ID,
        isInternal: false,
        partitions: [
          {
            errorCode: 0,
            partitionIndex: 0,
            leaderId: 1,
            leaderEpoch: 4,
            replicaNodes: [1, 2],
            isrNodes: [1],
            offlineReplicas: [2],
          },
        ],
      },
    ],
  };
}

describe('Metadata responses', () => {
  for (const version of [0, 1, 4, 7, 9, 10, 12]) {
    it(`v${version} parses in @platformatic/kafka`, () => {
      const api = platformaticMetadata[version];
      const body = encoded((w) => encodeMetadataResponse(w, version, metadataResponse()));
      const parsed = platformaticParse(api, body);
      assert.equal(parsed.brokers[0].nodeId, 1);
      assert.equal(parsed.brokers[0].host, 'broker-1');
      assert.equal(parsed.brokers[0].port, 9092);
      if (version >= 1) assert.equal(parsed.brokers[0].rack, 'rack-a');
      if (version >= 1) assert.equal(parsed.controllerId, 1);
      if (version >= 2) assert.equal(parsed.clusterId, 'cluster-1');
      const topic = parsed.topics[0];
      assert.equal(topic.name, 'orders');
      if (version >= 10) assert.equal(topic.topicId, TOPIC_ID);
      const partition = topic.partitions[0];
      assert.equal(partition.partitionIndex, 0);
      assert.equal(partition.leaderId, 1);
      assert.deepEqual(partition.replicaNodes, [1, 2]);
      assert.deepEqual(partition.isrNodes, [1]);
      if (version >= 7) assert.equal(partition.leaderEpoch, 4);
      if (version >= 5) assert.deepEqual(partition.offlineReplicas, [2]);
    });
  }

  for (const version of [0, 1, 2, 5, 6]) {
    it(`v${version} parses in kafkajs`, async () => {
      const { response } = kafkajs('metadata').protocol({ version })({ topics: [] });
      const body = encoded((w) => encodeMetadataResponse(w, version, metadataResponse()));
      const parsed = (await response.decode(body)) as {
        brokers: Record<string, unknown>[];
        topicMetadata: { topic: string; partitionMetadata: Record<string, unknown>[] }[];
        clusterId?: string;
        controllerId?: number;
      };
      assert.equal(parsed.brokers[0].nodeId, 1);
      assert.equal(parsed.brokers[0].host, 'broker-1');
      assert.equal(parsed.brokers[0].port, 9092);
      if (version >= 1) assert.equal(parsed.controllerId, 1);
      if (version >= 2) assert.equal(parsed.clusterId, 'cluster-1');
      assert.equal(parsed.topicMetadata[0].topic, 'orders');
      const partition = parsed.topicMetadata[0].partitionMetadata[0];
      assert.equal(partition.partitionId, 0);
      assert.equal(partition.leader, 1);
      assert.deepEqual(partition.replicas, [1, 2]);
      assert.deepEqual(partition.isr, [1]);
      if (version >= 5) assert.deepEqual(partition.offlineReplicas, [2]);
    });
  }
});

function joinGroupResponse(version: number): JoinGroupResponse {
  return {
    throttleTimeMs: 8,
    errorCode: 0,
    generationId: 3,
    protocolType: 'consumer',
    protocolName: 'range',
    leader: 'member-1',
    memberId: 'member-2',
    members: [
      { memberId: 'member-1', groupInstanceId: version >= 5 ? 'instance-1' : null, metadata: Buffer.from('meta') },
    ],
  };
}

describe('JoinGroup responses', () => {
  for (const version of [0, 2, 5, 6, 7, 9]) {
    it(`v${version} parses in @platformatic/kafka`, () => {
      const api = platformaticJoinGroup[version];
      const body = encoded((w) => encodeJoinGroupResponse(w, version, joinGroupResponse(version)));
      const parsed = platformaticParse(api, body);
      assert.equal(parsed.generationId, 3);
      assert.equal(parsed.protocolName, 'range');
      assert.equal(parsed.leader, 'member-1');
      assert.equal(parsed.memberId, 'member-2');
      if (version >= 2) assert.equal(parsed.throttleTimeMs, 8);
      if (version >= 7) assert.equal(parsed.protocolType, 'consumer');
      assert.equal(parsed.members[0].memberId, 'member-1');
      assert.equal(parsed.members[0].metadata.toString(), 'meta');
      if (version >= 5) assert.equal(parsed.members[0].groupInstanceId, 'instance-1');
    });
  }

  for (const version of [0, 2, 5]) {
    it(`v${version} parses in kafkajs`, async () => {
      const { response } = kafkajs('joinGroup').protocol({ version })({});
      const body = encoded((w) => encodeJoinGroupResponse(w, version, joinGroupResponse(version)));
      const parsed = (await response.decode(body)) as {
        generationId: number;
        groupProtocol: string;
        leaderId: string;
        memberId: string;
        members: { memberId: string; groupInstanceId?: string; memberMetadata: Buffer }[];
      };
      assert.equal(parsed.generationId, 3);
      assert.equal(parsed.groupProtocol, 'range');
      assert.equal(parsed.leaderId, 'member-1');
      assert.equal(parsed.memberId, 'member-2');
      assert.equal(parsed.members[0].memberId, 'member-1');
      assert.equal(parsed.members[0].memberMetadata.toString(), 'meta');
      if (version >= 5) assert.equal(parsed.members[0].groupInstanceId, 'instance-1');
    });
  }
});
