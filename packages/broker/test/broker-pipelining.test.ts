// Pipelining: a client may write many requests before reading any response, and Kafka answers them on that
// connection in request order (its network processor mutes a connection until its current response is sent). A
// client matching responses by order, not only by correlation id, depends on it; so does one whose Produce and
// Fetch on the same connection must see each other's effects.
import assert from 'node:assert/strict';
import { after, before, test, type TestContext } from 'node:test';
import { ErrorCode } from '../src/protocol/error-codes.ts';
import type { FetchResponse } from '../src/protocol/generated/fetch.ts';
import type { ListOffsetsResponse } from '../src/protocol/generated/list-offsets.ts';
import { startTestBroker, type TestBroker } from './broker-test-support.ts';
import { decodeValues, valuesBatch } from './record-batch-builder.ts';
import { ApiKey, createTopic, type EncodedRequest, fetchRequest, produceRequest, WireClient } from './wire-client.ts';

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
const TIMER_TOLERANCE_MS = 20;
const API_VERSIONS_V3 = { clientSoftwareName: 'wire-test', clientSoftwareVersion: '1' };

let broker: TestBroker;

before(async () => {
  broker = await startTestBroker();
});
after(() => broker.dispose());

async function connect(t: TestContext, firstCorrelationId?: number): Promise<WireClient> {
  const client = await WireClient.connect(broker.port, firstCorrelationId);
  t.after(() => client.close());
  return client;
}

function fetchAt(topic: string, fetchOffset: bigint, maxWaitMs: number) {
  return fetchRequest(
    [
      {
        topic,
        partitions: [
          {
            partition: 0,
            currentLeaderEpoch: -1,
            fetchOffset,
            lastFetchedEpoch: -1,
            logStartOffset: -1n,
            partitionMaxBytes: 1 << 20,
          },
        ],
      },
    ],
    { maxWaitMs, minBytes: 1 },
  );
}

/** A mix of APIs and versions, classic and flexible, the Produce before the Fetch and ListOffsets that observe it. */
function mixedRequests(client: WireClient, topic: string): EncodedRequest[] {
  return [
    client.encode(ApiKey.API_VERSIONS, 3, API_VERSIONS_V3),
    client.encode(ApiKey.METADATA, 12, {
      topics: [{ topicId: ZERO_UUID, name: topic }],
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: false,
    }),
    client.encode(ApiKey.PRODUCE, 9, produceRequest(topic, [{ index: 0, records: valuesBatch('piped', 2) }])),
    client.encode(ApiKey.FETCH, 12, fetchAt(topic, 0n, 0)),
    client.encode(ApiKey.LIST_OFFSETS, 1, {
      replicaId: -1,
      topics: [{ name: topic, partitions: [{ partitionIndex: 0, timestamp: -1n }] }],
    }),
    client.encode(ApiKey.CREATE_TOPICS, 7, {
      topics: [{ name: `${topic}-other`, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 30_000,
      validateOnly: false,
    }),
    client.encode(ApiKey.METADATA, 1, { topics: [{ name: topic }] }),
    client.encode(ApiKey.API_VERSIONS, 0, {}),
  ];
}

/** The requests' frames as one buffer, written back to back without waiting for any response. */
function backToBack(requests: readonly EncodedRequest[]): Buffer {
  return Buffer.concat(requests.map((request) => request.bytes));
}

/** The next response for each request, in the order they arrive. */
/** The answers to `requests`, asserted to come in the order the requests were written (Kafka's per-connection rule). */
async function responsesInOrder(client: WireClient, requests: readonly EncodedRequest[]) {
  const responses = [];
  for (let index = 0; index < requests.length; index++) responses.push(await client.next());
  assert.deepEqual(
    responses.map((response) => response.correlationId),
    requests.map((request) => request.correlationId),
    'responses come in request order',
  );
  return responses;
}

/** A Fetch that long-polls an empty partition for `maxWaitMs`, an ApiVersions pipelined behind it, then `more`. */
function behindLongPoll(client: WireClient, topic: string, maxWaitMs: number, ...more: EncodedRequest[]) {
  return [
    client.encode(ApiKey.FETCH, 12, fetchAt(topic, 0n, maxWaitMs)),
    client.encode(ApiKey.API_VERSIONS, 3, API_VERSIONS_V3),
    ...more,
  ];
}

async function expectInOrder(client: WireClient, requests: EncodedRequest[]): Promise<void> {
  const responses = await responsesInOrder(client, requests);
  assert.deepEqual(
    responses.map((response) => response.apiKey),
    [18, 3, 0, 1, 2, 19, 3, 18],
  );
  // Each request ran after the one before it had finished: the Fetch sees the produced records, ListOffsets the
  // new end.
  const fetched = (responses[3].body as FetchResponse).responses[0].partitions[0];
  assert.deepEqual(decodeValues(fetched.records!), ['piped-0', 'piped-1']);
  assert.equal((responses[4].body as ListOffsetsResponse).topics[0].partitions[0].offset, 2n);
  assert.equal(client.isClosed, false);
}

test('requests written back to back are answered in request order', async (t) => {
  const topic = 'pipelined';
  // Correlation ids far from 0, so an answer that merely counted from 0 would not pass.
  const client = await connect(t, 0x5eed0000);
  await createTopic(client, topic, 1);
  const requests = mixedRequests(client, topic);
  client.write(backToBack(requests));
  await expectInOrder(client, requests);
});

test('pipelined requests cut at arbitrary byte boundaries are answered in request order', async (t) => {
  const topic = 'pipelined-chunks';
  const client = await connect(t);
  await createTopic(client, topic, 1);
  const requests = mixedRequests(client, topic);
  const bytes = backToBack(requests);
  // Pieces of 1 to 7 bytes: frame headers and bodies split everywhere, several frames' ends in one piece.
  for (let position = 0, piece = 1; position < bytes.length; position += piece, piece = (piece % 7) + 1) {
    client.write(bytes.subarray(position, position + piece));
  }
  await expectInOrder(client, requests);
});

test('a fast request pipelined behind a long poll is answered after it', async (t) => {
  const topic = 'pipelined-slow-first';
  const client = await connect(t);
  await createTopic(client, topic, 1);
  const maxWaitMs = 1000;
  const metadata = client.encode(ApiKey.METADATA, 12, { topics: null, allowAutoTopicCreation: false });
  const requests = behindLongPoll(client, topic, maxWaitMs, metadata);
  const sentAt = performance.now();
  client.write(backToBack(requests));
  const responses = await responsesInOrder(client, requests);

  const fetched = (responses[0].body as FetchResponse).responses[0].partitions[0];
  assert.equal(fetched.errorCode, ErrorCode.NONE);
  assert.equal(fetched.records?.length ?? 0, 0, 'the long poll timed out empty');
  const fetchWaitedMs = responses[0].receivedAt - sentAt;
  assert.ok(fetchWaitedMs >= maxWaitMs - TIMER_TOLERANCE_MS, `the fetch waited ${fetchWaitedMs.toFixed(0)} ms`);
  assert.ok(responses[1].receivedAt >= responses[0].receivedAt, 'ApiVersions arrived after the Fetch');
});

test('a fast request behind a long poll follows it as soon as a produce elsewhere wakes the poll', async (t) => {
  const topic = 'pipelined-woken';
  const consumer = await connect(t);
  const producer = await connect(t);
  await createTopic(producer, topic, 1);
  const maxWaitMs = 5000;
  const requests = behindLongPoll(consumer, topic, maxWaitMs);
  consumer.write(backToBack(requests));
  // Once the broker has answered a request written after them on another connection, it has read the pipelined
  // pair and parked the fetch (it reads sockets in the order their data arrived).
  await producer.request(ApiKey.API_VERSIONS, 3, API_VERSIONS_V3);
  assert.equal(consumer.received.length, 0, 'nothing is answered while the fetch waits');
  const producedAt = performance.now();
  const produced = await producer.request(
    ApiKey.PRODUCE,
    9,
    produceRequest(topic, [{ index: 0, records: valuesBatch('wake', 1) }]),
  );
  assert.equal(produced.responses[0].partitionResponses[0].errorCode, ErrorCode.NONE);

  const responses = await responsesInOrder(consumer, requests);
  assert.deepEqual(decodeValues((responses[0].body as FetchResponse).responses[0].partitions[0].records!), ['wake-0']);
  const afterProduceMs = responses[1].receivedAt - producedAt;
  assert.ok(afterProduceMs < maxWaitMs / 2, `ApiVersions answered ${afterProduceMs.toFixed(0)} ms after the produce`);
});
