// Produce against a real broker, spoken byte for byte, for what a client library would hide: a batch over
// max.message.bytes is refused whole with MESSAGE_TOO_LARGE; acks=0 is stored but never answered; the old message
// formats are refused per partition without harming the connection; a name Kafka forbids is INVALID_TOPIC_EXCEPTION.
import assert from 'node:assert/strict';
import { after, before, test, type TestContext } from 'node:test';
import { crc32 } from 'node:zlib';
import { ErrorCode } from '../src/protocol/error-codes.ts';
import { startTestBroker, type TestBroker } from './broker-test-support.ts';
import { buildRecordBatch, decodeValues, valuesBatch } from './record-batch-builder.ts';
import { ApiKey, createTopic, endOffset, fetchPartition, produceRequest, WireClient } from './wire-client.ts';

const MAX_MESSAGE_BYTES = 1024;

let broker: TestBroker;

before(async () => {
  broker = await startTestBroker({ maxMessageBytes: MAX_MESSAGE_BYTES });
});
after(() => broker.dispose());

async function connect(t: TestContext): Promise<WireClient> {
  const client = await WireClient.connect(broker.port);
  t.after(() => client.close());
  return client;
}

/** A one-record batch whose whole size is exactly `size` bytes. */
function batchOfSize(size: number): Buffer {
  for (let valueLength = 0; valueLength < size; valueLength++) {
    const batch = buildRecordBatch({ records: [{ value: 'x'.repeat(valueLength) }] });
    if (batch.length === size) return batch;
  }
  throw new Error(`no one-record batch is ${size} bytes`);
}

/**
 * A message set in the pre-0.11 formats (magic 0 or 1): offset int64, size int32, then the message — CRC-32 of the
 * rest, magic, attributes, a timestamp in v1 only, key and value as int32-length bytes.
 */
function legacyMessageSet(magic: 0 | 1, values: string[]): Buffer {
  const messages = values.map((value, index) => {
    const timestamp = Buffer.alloc(magic === 1 ? 8 : 0);
    if (magic === 1) timestamp.writeBigInt64BE(1_700_000_000_000n);
    const valueBytes = Buffer.from(value);
    const valueLength = Buffer.alloc(4);
    valueLength.writeInt32BE(valueBytes.length);
    const nullKey = Buffer.alloc(4);
    nullKey.writeInt32BE(-1);
    const body = Buffer.concat([Buffer.from([magic, 0]), timestamp, nullKey, valueLength, valueBytes]);
    const head = Buffer.alloc(16);
    head.writeBigInt64BE(BigInt(index), 0);
    head.writeInt32BE(4 + body.length, 8);
    head.writeUInt32BE(crc32(body), 12);
    return Buffer.concat([head, body]);
  });
  return Buffer.concat(messages);
}

test('a batch over max.message.bytes gets MESSAGE_TOO_LARGE and nothing is appended; one exactly at it is stored', async (t) => {
  const client = await connect(t);
  const topic = 'produce-too-large';
  await createTopic(client, topic, 1);
  const tooLarge = batchOfSize(MAX_MESSAGE_BYTES + 1);
  for (const version of [3, 7, 9, 11]) {
    const response = await client.request(
      ApiKey.PRODUCE,
      version,
      produceRequest(topic, [{ index: 0, records: tooLarge }]),
    );
    const [partition] = response.responses[0].partitionResponses;
    assert.equal(partition.errorCode, ErrorCode.MESSAGE_TOO_LARGE, `Produce v${version}`);
    assert.equal(partition.baseOffset, -1n);
  }
  // A small batch ahead of the large one in the same records field is refused with it: the partition's data is
  // appended whole or not at all.
  const mixed = Buffer.concat([valuesBatch('small', 2), batchOfSize(2 * MAX_MESSAGE_BYTES)]);
  const mixedResponse = await client.request(ApiKey.PRODUCE, 9, produceRequest(topic, [{ index: 0, records: mixed }]));
  assert.equal(mixedResponse.responses[0].partitionResponses[0].errorCode, ErrorCode.MESSAGE_TOO_LARGE);
  assert.equal(await endOffset(client, topic, 0), 0n, 'no refused batch reached the log');

  // Kafka refuses a batch whose size is over the limit, not at it.
  const atLimit = batchOfSize(MAX_MESSAGE_BYTES);
  const stored = await client.request(ApiKey.PRODUCE, 9, produceRequest(topic, [{ index: 0, records: atLimit }]));
  assert.equal(stored.responses[0].partitionResponses[0].errorCode, ErrorCode.NONE);
  assert.equal(stored.responses[0].partitionResponses[0].baseOffset, 0n, 'the first batch stored gets offset 0');
  assert.equal(await endOffset(client, topic, 0), 1n);
  const fetched = await fetchPartition(client, topic, 0, 0n);
  assert.equal(fetched.records?.length, MAX_MESSAGE_BYTES, 'only the accepted batch is in the log');
});

test("a topic's own max.message.bytes overrides the broker's", async (t) => {
  const client = await connect(t);
  const topic = 'produce-topic-limit';
  await createTopic(client, topic, 1, { 'max.message.bytes': String(4 * MAX_MESSAGE_BYTES) });
  const response = await client.request(
    ApiKey.PRODUCE,
    9,
    produceRequest(topic, [{ index: 0, records: batchOfSize(2 * MAX_MESSAGE_BYTES) }]),
  );
  assert.equal(response.responses[0].partitionResponses[0].errorCode, ErrorCode.NONE);
});

test('acks=0 gets no response at all, and its records are stored', async (t) => {
  const client = await connect(t);
  const topic = 'produce-acks-zero';
  await createTopic(client, topic, 1);
  // Three acks=0 produces and a Metadata request written back to back: the first response to arrive is the
  // Metadata one, and nothing else is ever sent for the produces (an ApiVersions round trip afterwards is next).
  const produces = ['first', 'second', 'third'].map((prefix) =>
    client.encode(ApiKey.PRODUCE, 9, produceRequest(topic, [{ index: 0, records: valuesBatch(prefix, 2) }], 0)),
  );
  const metadata = client.encode(ApiKey.METADATA, 12, {
    topics: [{ topicId: '00000000-0000-0000-0000-000000000000', name: topic }],
    allowAutoTopicCreation: false,
    includeTopicAuthorizedOperations: false,
  });
  client.write(Buffer.concat([...produces.map((produce) => produce.bytes), metadata.bytes]));

  const first = await client.next();
  assert.equal(first.correlationId, metadata.correlationId, 'the Metadata response is the first to arrive');
  assert.equal(first.apiKey, ApiKey.METADATA);
  const apiVersions = client.send(ApiKey.API_VERSIONS, 3, {
    clientSoftwareName: 'wire-test',
    clientSoftwareVersion: '1',
  });
  const second = await client.next();
  assert.equal(second.correlationId, apiVersions, 'no Produce response came after the Metadata one either');

  // The records are there, in the order sent. A long poll waits for them in case the log has not made them
  // visible yet (under --fsync batch they become readable once synced).
  const values: string[] = [];
  let offset = 0n;
  while (values.length < 6) {
    const fetched = await fetchPartition(client, topic, 0, offset, { maxWaitMs: 5000, minBytes: 1 });
    assert.equal(fetched.errorCode, ErrorCode.NONE);
    assert.ok(fetched.records !== null && fetched.records.length > 0, 'the acks=0 records become readable');
    values.push(...decodeValues(fetched.records));
    offset = BigInt(values.length);
  }
  assert.deepEqual(values, ['first-0', 'first-1', 'second-0', 'second-1', 'third-0', 'third-1']);
  assert.deepEqual(
    client.received.filter((response) => response.apiKey === ApiKey.PRODUCE),
    [],
    'not one Produce response arrived, even after the fetches',
  );
});

test('magic v0 and v1 message sets get UNSUPPORTED_FOR_MESSAGE_FORMAT and the connection stays usable', async (t) => {
  const client = await connect(t);
  const topic = 'produce-old-formats';
  await createTopic(client, topic, 1);
  // v0-2 are the versions old clients sent these formats with; v3+ require record batches, as a client bug would.
  for (const version of [0, 1, 2, 3, 9]) {
    for (const magic of [0, 1] as const) {
      const response = await client.request(
        ApiKey.PRODUCE,
        version,
        produceRequest(topic, [{ index: 0, records: legacyMessageSet(magic, ['a', 'b']) }]),
      );
      const [partition] = response.responses[0].partitionResponses;
      assert.equal(
        partition.errorCode,
        ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT,
        `magic ${magic} in Produce v${version}`,
      );
      assert.equal(partition.baseOffset, -1n);
    }
  }
  assert.equal(client.isClosed, false);
  assert.equal(await endOffset(client, topic, 0), 0n, 'nothing of the old formats was appended');
  // The same connection then produces a record batch normally.
  const response = await client.request(
    ApiKey.PRODUCE,
    9,
    produceRequest(topic, [{ index: 0, records: valuesBatch('v2', 1) }]),
  );
  assert.equal(response.responses[0].partitionResponses[0].errorCode, ErrorCode.NONE);
  assert.equal(response.responses[0].partitionResponses[0].baseOffset, 0n);
});

test('a topic name Kafka forbids gets INVALID_TOPIC_EXCEPTION and no topic', async (t) => {
  const client = await connect(t);
  const invalidNames = ['bad/name', 'with space', 'ünïcode', '.', '..', 'x'.repeat(250)];
  for (const name of [...invalidNames, '']) {
    const response = await client.request(
      ApiKey.PRODUCE,
      9,
      produceRequest(name, [{ index: 0, records: valuesBatch('bad', 1) }]),
    );
    assert.equal(response.responses[0].name, name);
    assert.equal(response.responses[0].partitionResponses[0].errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION, `'${name}'`);
  }
  for (const name of invalidNames) {
    const response = await client.request(ApiKey.METADATA, 12, {
      topics: [{ topicId: '00000000-0000-0000-0000-000000000000', name }],
      allowAutoTopicCreation: true,
      includeTopicAuthorizedOperations: false,
    });
    assert.equal(response.topics[0].errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION, `Metadata for '${name}'`);
  }
  const everything = await client.request(ApiKey.METADATA, 12, {
    topics: null,
    allowAutoTopicCreation: false,
    includeTopicAuthorizedOperations: false,
  });
  const listed = everything.topics.map((topic) => topic.name);
  for (const name of invalidNames) assert.ok(!listed.includes(name), `'${name}' was not created`);
  assert.equal(client.isClosed, false, 'the connection stays open');
});
