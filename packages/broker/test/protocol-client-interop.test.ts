// Our codecs against the parsers and encoders of two real Kafka clients, so that a misreading of the protocol shared
// by our generator and our own tests cannot go unnoticed: responses we encode are parsed by the clients' own response
// parsers, and requests the clients encode are decoded by us. kafkajs covers the classic versions it speaks;
// @platformatic/kafka covers the flexible ones (compact encodings, tagged fields).
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import {
  createRecordsBatch,
  fetchV4,
  fetchV7,
  fetchV11,
  fetchV12,
  fetchV13,
  fetchV16,
  fetchV17,
  joinGroupV0,
  joinGroupV2,
  joinGroupV5,
  joinGroupV6,
  joinGroupV7,
  joinGroupV9,
  metadataV0,
  metadataV1,
  metadataV4,
  metadataV7,
  metadataV9,
  metadataV10,
  metadataV12,
  Reader as PlatformaticReader,
  produceV3,
  produceV5,
  produceV7,
  produceV8,
  produceV9,
  produceV10,
  produceV11,
  readRecordsBatches,
} from '@platformatic/kafka';
import { decodeFetchRequest, encodeFetchResponse, type FetchResponse } from '../src/protocol/generated/fetch.ts';
import {
  decodeJoinGroupRequest,
  encodeJoinGroupResponse,
  type JoinGroupResponse,
} from '../src/protocol/generated/join-group.ts';
import {
  decodeMetadataRequest,
  encodeMetadataResponse,
  type MetadataResponse,
} from '../src/protocol/generated/metadata.ts';
import {
  decodeProduceRequest,
  encodeProduceResponse,
  type ProduceResponse,
} from '../src/protocol/generated/produce.ts';
import { Reader } from '../src/protocol/reader.ts';
import { Writer } from '../src/protocol/writer.ts';

const require = createRequire(import.meta.url);

/** A kafkajs protocol module: `protocol({ version })(args)` gives the request encoder and the response decoder. */
interface KafkajsApi {
  protocol(options: { version: number }): (args: Record<string, unknown>) => {
    request: { apiKey: number; apiVersion: number; encode(): Promise<{ buffer: Buffer }> };
    response: { decode(body: Buffer): Promise<Record<string, unknown>> };
  };
}

function kafkajs(api: string): KafkajsApi {
  return require(`kafkajs/src/protocol/requests/${api}/index.js`) as KafkajsApi;
}

/** Parses a response body with a @platformatic/kafka API module's own parser. */
function platformaticParse<T>(
  api: { api: { key: number; version: number }; parseResponse(...args: never[]): T },
  body: Buffer,
): T {
  const parse = api.parseResponse as unknown as (c: number, k: number, v: number, r: PlatformaticReader) => T;
  return parse(1, api.api.key, api.api.version, PlatformaticReader.from(body));
}

function encoded(encode: (writer: Writer) => void): Buffer {
  const writer = new Writer();
  encode(writer);
  return writer.toBuffer();
}

// @platformatic/kafka API modules by version. Their types differ a little between versions; the tests read only the
// fields every listed version has, so each table is typed as its newest version.
const platformaticProduce = {
  3: produceV3,
  5: produceV5,
  7: produceV7,
  8: produceV8,
  9: produceV9,
  10: produceV10,
  11: produceV11,
} as unknown as Record<number, typeof produceV11>;
const platformaticFetch = {
  4: fetchV4,
  7: fetchV7,
  11: fetchV11,
  12: fetchV12,
  13: fetchV13,
  16: fetchV16,
  17: fetchV17,
} as unknown as Record<number, typeof fetchV17>;
const platformaticMetadata = {
  0: metadataV0,
  1: metadataV1,
  4: metadataV4,
  7: metadataV7,
  9: metadataV9,
  10: metadataV10,
  12: metadataV12,
} as unknown as Record<number, typeof metadataV12>;
const platformaticJoinGroup = {
  0: joinGroupV0,
  2: joinGroupV2,
  5: joinGroupV5,
  6: joinGroupV6,
  7: joinGroupV7,
  9: joinGroupV9,
} as unknown as Record<number, typeof joinGroupV9>;

const TOPIC_ID = '6f3c2b9a-1d4e-4f5a-8b7c-0123456789ab';
const recordBatch = createRecordsBatch([
  { topic: 'orders', key: Buffer.from('order-1'), value: Buffer.from('{"total":42}') },
]).buffer;

/** The values of the records in a record-batch byte string, as @platformatic/kafka reads them. */
function recordValues(records: Buffer): string[] {
  return readRecordsBatches(PlatformaticReader.from(records)).flatMap((batch) =>
    batch.records.map((record) => String(record.value)),
  );
}

// ---------------------------------------------------------------------------------------------------------------------
// Responses

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

// ---------------------------------------------------------------------------------------------------------------------
// Requests

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
