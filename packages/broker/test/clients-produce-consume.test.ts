// Five unmodified Kafka clients write keyed records with headers through the broker and every one of them reads back
// what all five wrote: kafkajs and @platformatic/kafka in this process, kcat (librdkafka, -K/-H/-Z in, -J/-f out),
// kafka-python and confluent-kafka as child processes. Each writer owns one partition, so the expected offsets are
// known; null keys, null and empty values, empty and non-ASCII header values, and (except for kcat, which reads
// text lines) values that are not UTF-8 must all come back byte for byte.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestBroker, type TestBroker } from './broker-test-support.ts';
import { CLIENTS, type Client, produceWith, readWith } from './clients/any-client.ts';
import { kcatRead, runKcat } from './clients/client-processes.ts';
import { type Acknowledgement, kafkajsClient, type RecordToProduce, type WireRecord } from './clients/node-clients.ts';

const TOPIC = 'interop';

const hex = (text: string) => Buffer.from(text, 'utf8').toString('hex');
const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, index) => (index * 167) % 256)).toString('hex');

/** The records `writer` writes to its own partition. kcat reads its input as text lines, so it gets text values. */
function recordsOf(writer: Client): RecordToProduce[] {
  const partition = CLIENTS.indexOf(writer);
  const textOnly = writer === 'kcat';
  return [
    {
      partition,
      key: hex(`${writer}:order-1`),
      value: hex(JSON.stringify({ writer, note: 'naïve café ✓' })),
      headers: [
        ['traceparent', hex('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')],
        ['content-type', hex('application/json')],
      ],
    },
    {
      partition,
      key: null,
      value: textOnly ? hex('"quoted" \\ back\\slash, {braces} ✓') : ALL_BYTES,
      headers: [['empty', '']],
    },
    {
      partition,
      key: hex(`ключ ✓ ${writer}`),
      value: '',
      headers: [
        ['unicode', hex('значение ✓')],
        ['bytes', textOnly ? hex('plain') : '00ff80'],
      ],
    },
    { partition, key: hex(`${writer}:tombstone`), value: null, headers: [] },
  ];
}

const expected = new Map(CLIENTS.map((writer) => [writer, recordsOf(writer)]));
const TOTAL = CLIENTS.length * 4;

/** Every record read, checked against what its writer wrote at that offset of its partition. */
function assertAllIntact(reader: Client, records: readonly WireRecord[]): void {
  assert.equal(records.length, TOTAL, `${reader} read every record once`);
  for (const writer of CLIENTS) {
    const partition = CLIENTS.indexOf(writer);
    const read = records
      .filter((record) => record.partition === partition)
      .sort((a, b) => a.offset - b.offset)
      .map((record) => ({ offset: record.offset, key: record.key, value: record.value, headers: record.headers }));
    const written = expected.get(writer)!.map((record, offset) => ({
      offset,
      key: record.key,
      value: record.value,
      headers: record.headers,
    }));
    assert.deepEqual(read, written, `${reader} reads what ${writer} wrote`);
  }
}

describe('keys, values and headers through the broker, between five clients', () => {
  let broker: TestBroker;
  const acknowledged = new Map<Client, Acknowledgement[] | undefined>();

  before(async () => {
    broker = await startTestBroker();
    const admin = kafkajsClient(broker.bootstrap).admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: CLIENTS.length }] });
    } finally {
      await admin.disconnect();
    }
    for (const writer of CLIENTS) {
      acknowledged.set(writer, await produceWith(writer, broker.bootstrap, TOPIC, expected.get(writer)!));
    }
  });

  after(() => broker?.dispose());

  it('acknowledges each writer’s records at consecutive offsets of its partition', () => {
    for (const writer of CLIENTS) {
      const acks = acknowledged.get(writer);
      if (acks === undefined) continue;
      const partition = CLIENTS.indexOf(writer);
      assert.deepEqual(
        acks,
        [0, 1, 2, 3].map((offset) => ({ partition, offset })),
        `${writer}'s acknowledgements`,
      );
    }
  });

  // kcat is not among them: it prints values as text, so it is checked on its own below.
  for (const [reader, name] of [
    ['kafkajs', 'kafkajs'],
    ['platformatic', '@platformatic/kafka'],
    ['kafka-python', 'kafka-python'],
    ['confluent-kafka', 'confluent-kafka'],
  ] as const) {
    it(`${name} reads them intact`, async () => {
      assertAllIntact(reader, await readWith(reader, broker.bootstrap, TOPIC, TOTAL));
    });
  }

  it('kcat -J reads them intact, and kcat -f reports the exact key and value sizes', async () => {
    const records = await kcatRead(broker.bootstrap, TOPIC);
    assert.equal(records.length, TOTAL);
    // kcat prints keys and payloads as JSON strings: bytes that are not UTF-8 can only be compared as decoded text.
    const text = (value: string | null) => (value === null ? null : Buffer.from(value, 'hex').toString('utf8'));
    for (const writer of CLIENTS) {
      const partition = CLIENTS.indexOf(writer);
      const read = records
        .filter((record) => record.partition === partition)
        .sort((a, b) => a.offset - b.offset)
        .map((record) => ({
          offset: record.offset,
          key: record.key,
          value: record.payload,
          headers: record.headers ?? [],
        }));
      const written = expected.get(writer)!.map((record, offset) => ({
        offset,
        key: text(record.key),
        value: text(record.value),
        headers: record.headers.flatMap(([name, value]) => [name, text(value)]),
      }));
      assert.deepEqual(read, written, `kcat reads what ${writer} wrote`);
    }

    // %K and %S are the key and value lengths in bytes, -1 for null: exact for binary values too.
    const sizes = await runKcat([
      '-C',
      '-b',
      broker.bootstrap,
      '-t',
      TOPIC,
      '-o',
      'beginning',
      '-e',
      '-q',
      '-f',
      '%p %o %K %S\n',
    ]);
    const measured = sizes
      .trim()
      .split('\n')
      .map((line) => line.split(' ').map(Number))
      .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const length = (value: string | null) => (value === null ? -1 : value.length / 2);
    const written = CLIENTS.flatMap((writer, partition) =>
      expected.get(writer)!.map((record, offset) => [partition, offset, length(record.key), length(record.value)]),
    );
    assert.deepEqual(measured, written);
  });
});
