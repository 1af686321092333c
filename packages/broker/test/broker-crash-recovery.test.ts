// kill -9 while produce requests are in flight: several producers, each with a few acks=all requests pipelined on its
// own connection, keep the broker busy appending and syncing, and the kill lands at a random moment while their
// requests are outstanding (never just after an answer, with nothing in flight). After a restart on the same data
// directory: every acknowledged batch is at the offset its acknowledgement gave; each producer's records are in the
// order it sent them, without gaps or duplicates (the unacknowledged ones may or may not be there, as a tail); and
// the whole log reads back as contiguous, checksummed batches that the broker can append to. Run for each fsync
// policy that promises durability.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '../src/protocol/error-codes.ts';
import { hasValidCrc, readRecordBatchHeader, recordBatchSize } from '../src/record-batch/record-batch.ts';
import { spawnBrokerProcess, startTestBroker, temporaryDirectory } from './broker-test-support.ts';
import { buildRecordBatch, decodeValues, valuesBatch } from './record-batch-builder.ts';
import { defer } from './storage-support.ts';
import {
  ApiKey,
  ConnectionClosedError,
  createTopic,
  endOffset,
  fetchPartition,
  produceRequest,
  WireClient,
} from './wire-client.ts';

const TOPIC = 'crash-test';
const PRODUCERS = 3;
/** Produce requests each producer keeps outstanding on its connection. */
const PIPELINE_DEPTH = 4;
const RECORDS_PER_BATCH = 5;

interface Acknowledged {
  readonly producer: number;
  readonly values: string[];
  readonly baseOffset: bigint;
}

/** One producer: a connection on which PIPELINE_DEPTH produce requests are always outstanding until it stops. */
class PipelinedProducer {
  readonly acknowledged: Acknowledged[] = [];
  sent = 0;
  answered = 0;
  readonly #id: number;
  readonly #client: WireClient;
  readonly #events: { acknowledged(): void; failed(): void };
  #nextRecord = 0;
  #stopped = false;
  failure: unknown;

  constructor(id: number, client: WireClient, events: { acknowledged(): void; failed(): void }) {
    this.#id = id;
    this.#client = client;
    this.#events = events;
  }

  start(): void {
    for (let index = 0; index < PIPELINE_DEPTH; index++) this.#send();
  }

  stop(): void {
    this.#stopped = true;
  }

  #send(): void {
    if (this.#stopped || this.#client.isClosed) return;
    const values = Array.from({ length: RECORDS_PER_BATCH }, () => `${this.#id}:${this.#nextRecord++}`);
    const records = buildRecordBatch({ records: values.map((value) => ({ value })) });
    const correlationId = this.#client.send(ApiKey.PRODUCE, 9, produceRequest(TOPIC, [{ index: 0, records }]));
    this.sent++;
    this.#client.response(ApiKey.PRODUCE, correlationId).then(
      (response) => {
        this.answered++;
        const [partition] = response.body.responses[0].partitionResponses;
        if (partition.errorCode !== ErrorCode.NONE) {
          this.failure ??= new Error(`produce failed with error ${partition.errorCode}`);
          this.#events.failed();
          return;
        }
        this.acknowledged.push({ producer: this.#id, values, baseOffset: partition.baseOffset });
        this.#events.acknowledged();
        this.#send();
      },
      (error: unknown) => {
        // The broker died with this request outstanding: it is unacknowledged, and may or may not be in the log.
        if (error instanceof ConnectionClosedError) return;
        this.failure ??= error;
        this.#events.failed();
      },
    );
  }
}

interface StoredBatch {
  readonly baseOffset: bigint;
  readonly values: string[];
}

/** Every batch of partition 0, read with Fetch from offset 0 to the high watermark, checked as a consumer would. */
async function readWholeLog(client: WireClient): Promise<StoredBatch[]> {
  const end = await endOffset(client, TOPIC, 0);
  const batches: StoredBatch[] = [];
  let offset = 0n;
  while (offset < end) {
    const partition = await fetchPartition(client, TOPIC, 0, offset, { maxBytes: 256 * 1024 });
    assert.equal(partition.errorCode, ErrorCode.NONE, `fetch at ${offset}`);
    const records = partition.records!;
    assert.ok(records.length > 0, `the fetch at ${offset} of ${end} makes progress`);
    for (let position = 0; position < records.length;) {
      const header = readRecordBatchHeader(records, position);
      const size = recordBatchSize(records, position);
      assert.ok(position + size <= records.length, `batch at offset ${header.baseOffset} is whole`);
      assert.ok(hasValidCrc(records, position, size), `batch at offset ${header.baseOffset} passes its CRC-32C`);
      assert.equal(header.baseOffset, offset, 'batches are contiguous: each starts where the one before ended');
      const values = decodeValues(records.subarray(position, position + size));
      assert.equal(values.length, header.recordCount);
      batches.push({ baseOffset: header.baseOffset, values });
      offset = header.baseOffset + BigInt(header.recordCount);
      position += size;
    }
  }
  assert.equal(offset, end, 'the batches end at the high watermark');
  return batches;
}

for (const fsync of ['batch', 'always'] as const) {
  const name = `no acknowledged record is lost when the broker is killed with produces in flight (fsync=${fsync})`;
  test(name, { timeout: 120_000 }, async (t) => {
    const dataDir = temporaryDirectory();
    defer(t, () => dataDir.remove());
    const broker = await spawnBrokerProcess(['--data-dir', dataDir.path, '--fsync', fsync]);
    defer(t, async () => {
      if (broker.child.exitCode === null && broker.child.signalCode === null) broker.child.kill('SIGKILL');
      await broker.exited;
    });
    const admin = await WireClient.connect(broker.port);
    await createTopic(admin, TOPIC, 1);
    await admin.close();

    const clients = await Promise.all(Array.from({ length: PRODUCERS }, () => WireClient.connect(broker.port)));
    for (const client of clients) defer(t, () => client.close());
    // The kill is armed once this many requests have been acknowledged, and lands a random few milliseconds later,
    // while the producers go on sending: at that moment the broker may be reading, appending, syncing or answering.
    const armAfter = 30 + Math.floor(Math.random() * 60);
    let acknowledgedRequests = 0;
    let inFlightAtKill = -1;
    const kill = () => {
      if (inFlightAtKill >= 0) return;
      inFlightAtKill = producers.reduce((sum, producer) => sum + producer.sent - producer.answered, 0);
      broker.child.kill('SIGKILL');
      for (const producer of producers) producer.stop();
    };
    const producers: PipelinedProducer[] = clients.map(
      (client, id) =>
        new PipelinedProducer(id, client, {
          acknowledged() {
            if (++acknowledgedRequests === armAfter) setTimeout(kill, Math.floor(Math.random() * 8));
          },
          // A refused produce ends the run at once; the assertions below report it.
          failed: kill,
        }),
    );
    for (const producer of producers) producer.start();
    assert.deepEqual(await broker.exited, { code: null, signal: 'SIGKILL' });
    await Promise.all(clients.map((client) => client.closed));

    for (const producer of producers) assert.equal(producer.failure, undefined);
    assert.ok(inFlightAtKill > 0, `${inFlightAtKill} produce requests were in flight when the broker was killed`);
    const acknowledged = producers.flatMap((producer) => producer.acknowledged);
    assert.ok(acknowledged.length >= armAfter, 'the producers were streaming when the broker died');

    const restarted = await startTestBroker({ dataDir: dataDir.path, fsync });
    defer(t, () => restarted.close());
    const reader = await WireClient.connect(restarted.port);
    defer(t, () => reader.close());
    const batches = await readWholeLog(reader);

    // Every acknowledged batch is stored, whole, at the offset it was acknowledged with.
    const byOffset = new Map(batches.map((batch) => [batch.baseOffset, batch.values]));
    for (const ack of acknowledged) {
      assert.deepEqual(byOffset.get(ack.baseOffset), ack.values, `acknowledged batch at offset ${ack.baseOffset}`);
    }
    // Each producer's records are in the order sent, from its first, with no gap or duplicate; anything it sent
    // beyond its acknowledged ones is an unacknowledged tail that made it to the log before the kill.
    for (const [id, producer] of producers.entries()) {
      const own = batches.flatMap((batch) => batch.values).filter((value) => value.startsWith(`${id}:`));
      assert.deepEqual(
        own,
        Array.from({ length: own.length }, (_, index) => `${id}:${index}`),
        `producer ${id}'s records are in order without gaps`,
      );
      assert.ok(
        own.length >= producer.acknowledged.length * RECORDS_PER_BATCH,
        `producer ${id} lost nothing acknowledged`,
      );
      assert.ok(own.length <= producer.sent * RECORDS_PER_BATCH, `producer ${id}: nothing it did not send`);
    }
    assert.deepEqual(
      batches.filter((batch) => new Set(batch.values.map((value) => value.split(':')[0])).size !== 1),
      [],
      'every stored batch is one producer batch, unmixed',
    );

    // The recovered log takes new appends right after its end.
    const end = await endOffset(reader, TOPIC, 0);
    const appended = await reader.request(
      ApiKey.PRODUCE,
      9,
      produceRequest(TOPIC, [{ index: 0, records: valuesBatch('after-restart', 1) }]),
    );
    assert.equal(appended.responses[0].partitionResponses[0].errorCode, ErrorCode.NONE);
    assert.equal(appended.responses[0].partitionResponses[0].baseOffset, end);
    t.diagnostic(
      `${acknowledged.length} requests acknowledged, ${inFlightAtKill} in flight at the kill, ` +
        `${batches.length} batches recovered`,
    );
  });
}
