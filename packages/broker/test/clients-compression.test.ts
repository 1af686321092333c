// Compressed record batches written by one client and read by others. The broker stores and serves batches exactly as
// produced (it never decompresses), so what this proves is that every client's compressed batches pass the broker's
// checks, are stored whole, and are served in a shape every other client can decompress and split into records.
// Writers: kcat and confluent-kafka (librdkafka) and @platformatic/kafka write gzip, snappy, lz4 and zstd; kafkajs and
// kafka-python write gzip (the only codec they have without extra packages). Readers: @platformatic/kafka, kcat and
// confluent-kafka read every codec; kafkajs and kafka-python read the gzip batches.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  BATCH_LENGTH_PREFIX_BYTES,
  RECORD_BATCH_HEADER_BYTES,
  readRecordBatchHeader,
} from '../src/record-batch/record-batch.ts';
import { startTestBroker, type TestBroker } from './broker-test-support.ts';
import { type Client, produceWith, readWith } from './clients/any-client.ts';
import {
  type Codec,
  kafkajsClient,
  platformaticRead,
  type RecordToProduce,
  type WireRecord,
} from './clients/node-clients.ts';

type CompressedCodec = Exclude<Codec, 'none'>;

/** Each codec has its own topic; each writer of that codec its own partition, in this order. */
const WRITERS: Record<CompressedCodec, readonly Client[]> = {
  gzip: ['kafkajs', 'platformatic', 'kcat', 'kafka-python', 'confluent-kafka'],
  snappy: ['platformatic', 'kcat', 'confluent-kafka'],
  lz4: ['platformatic', 'kcat', 'confluent-kafka'],
  zstd: ['platformatic', 'kcat', 'confluent-kafka'],
};
const CODECS = Object.keys(WRITERS) as CompressedCodec[];
/** Kafka's codec ids, the low three bits of a batch's attributes. */
const COMPRESSION_CODEC_MASK = 0x07;
const CODEC_IDS: Record<CompressedCodec, number> = { gzip: 1, snappy: 2, lz4: 3, zstd: 4 };
const RECORDS_PER_WRITER = 200;

const hex = (text: string) => Buffer.from(text, 'utf8').toString('hex');
const topicOf = (codec: CompressedCodec) => `compressed-${codec}`;

function recordsOf(writer: Client, codec: CompressedCodec): RecordToProduce[] {
  const partition = WRITERS[codec].indexOf(writer);
  return Array.from({ length: RECORDS_PER_WRITER }, (_, index) => ({
    partition,
    key: hex(`${writer}-${codec}-${index}`),
    // Repetitive, so every codec really shrinks it; the index keeps each value distinct.
    value: hex(`${writer} wrote record ${index} with ${codec}: ${'order placed, stock reserved; '.repeat(12)}`),
    headers: [['codec', hex(codec)]],
  }));
}

/**
 * How the batches of one partition are stored. Clients do not tell how a batch they read was compressed, but the
 * broker keeps each batch byte for byte as its producer sent it, so the log shows what the writer really did.
 */
function storedBatches(dataDir: string, topic: string, partition: number): { codecs: Set<number>; records: number } {
  const directory = join(dataDir, `${topic}-${partition}`);
  const codecs = new Set<number>();
  let records = 0;
  for (const file of readdirSync(directory).filter((name) => name.endsWith('.log'))) {
    const log = readFileSync(join(directory, file));
    for (let position = 0; position + RECORD_BATCH_HEADER_BYTES <= log.length;) {
      const header = readRecordBatchHeader(log, position);
      codecs.add(header.attributes & COMPRESSION_CODEC_MASK);
      records += header.recordCount;
      position += BATCH_LENGTH_PREFIX_BYTES + header.batchLength;
    }
  }
  return { codecs, records };
}

function assertIntact(reader: string, codec: CompressedCodec, read: readonly WireRecord[]): void {
  const writers = WRITERS[codec];
  assert.equal(read.length, writers.length * RECORDS_PER_WRITER, `${reader} read all of ${topicOf(codec)}`);
  writers.forEach((writer, partition) => {
    const got = read
      .filter((record) => record.partition === partition)
      .sort((a, b) => a.offset - b.offset)
      .map(({ offset, key, value, headers }) => ({ offset, key, value, headers }));
    const want = recordsOf(writer, codec).map(({ key, value, headers }, offset) => ({ offset, key, value, headers }));
    assert.deepEqual(got, want, `${reader} reads the ${codec} records ${writer} wrote`);
  });
}

describe('compressed batches written by one client are read by the others', () => {
  let broker: TestBroker;

  before(async () => {
    broker = await startTestBroker();
    const admin = kafkajsClient(broker.bootstrap).admin();
    await admin.connect();
    try {
      await admin.createTopics({
        topics: CODECS.map((codec) => ({ topic: topicOf(codec), numPartitions: WRITERS[codec].length })),
      });
    } finally {
      await admin.disconnect();
    }
    for (const codec of CODECS) {
      await Promise.all(
        WRITERS[codec].map((writer) =>
          produceWith(writer, broker.bootstrap, topicOf(codec), recordsOf(writer, codec), codec),
        ),
      );
    }
  });

  after(() => broker?.dispose());

  it('stores every writer’s batches compressed with the codec it was asked for', () => {
    for (const codec of CODECS) {
      WRITERS[codec].forEach((writer, partition) => {
        const stored = storedBatches(broker.dataDir, topicOf(codec), partition);
        assert.deepEqual([...stored.codecs], [CODEC_IDS[codec]], `${writer}'s ${codec} batches`);
        assert.equal(stored.records, RECORDS_PER_WRITER, `${writer}'s ${codec} records`);
      });
    }
  });

  it('@platformatic/kafka reads every codec', async () => {
    const topics = CODECS.map(topicOf);
    const total = CODECS.reduce((sum, codec) => sum + WRITERS[codec].length * RECORDS_PER_WRITER, 0);
    const read = await platformaticRead(broker.bootstrap, topics, total);
    for (const codec of CODECS) {
      assertIntact(
        'platformatic',
        codec,
        read.filter((record) => record.topic === topicOf(codec)),
      );
    }
  });

  for (const reader of ['confluent-kafka', 'kcat'] as const) {
    it(`${reader} reads every codec`, async () => {
      for (const codec of CODECS) {
        const count = WRITERS[codec].length * RECORDS_PER_WRITER;
        assertIntact(reader, codec, await readWith(reader, broker.bootstrap, topicOf(codec), count));
      }
    });
  }

  for (const reader of ['kafkajs', 'kafka-python'] as const) {
    it(`${reader} reads the gzip batches of every writer`, async () => {
      const count = WRITERS.gzip.length * RECORDS_PER_WRITER;
      assertIntact(reader, 'gzip', await readWith(reader, broker.bootstrap, topicOf('gzip'), count));
    });
  }
});
