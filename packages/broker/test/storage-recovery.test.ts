import assert from 'node:assert/strict';
import {
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { BatchHeaderAt } from '../src/record-batch/record-batch.ts';
import { PartitionLog } from '../src/storage/partition-log.ts';
import { decodeValues, valuesBatch } from './record-batch-builder.ts';
import {
  type CapturedLog,
  capturingLogger,
  consumeAll,
  crashCopy,
  defer,
  temporaryDirectory,
} from './storage-support.ts';

const FIRST_SEGMENT = '00000000000000000000';

function openLog(t: TestContext, directory: string, captured: CapturedLog, segmentBytes?: number): PartitionLog {
  const partition = PartitionLog.open(directory, {
    fsync: 'never',
    log: captured.log,
    indexIntervalBytes: 256,
    ...(segmentBytes === undefined ? {} : { segmentBytes }),
  });
  defer(t, () => partition.close());
  return partition;
}

/** Five batches of three records; returns the byte length of one batch (they are all the same size). */
function writeFiveBatches(partition: PartitionLog): number {
  let size = 0;
  for (let index = 0; index < 5; index++) {
    const batch = valuesBatch(`b${index}`, 3);
    size = batch.length;
    partition.append([batch]);
  }
  return size;
}

function warnings(captured: CapturedLog, message: string): Array<Record<string, unknown>> {
  return captured.lines.filter((line) => line.level === 40 && line.msg === message);
}

function flipByte(path: string, position: number): void {
  const contents = readFileSync(path);
  const fd = openSync(path, 'r+');
  writeSync(fd, Buffer.from([contents[position] ^ 0xff]), 0, 1, position);
  closeSync(fd);
}

const FOUR_BATCHES = [0, 1, 2, 3].flatMap((batch) => [0, 1, 2].map((record) => `b${batch}-${record}`));

test('a log cut off in the middle of its last batch is truncated to the last whole batch', async (t) => {
  const directory = temporaryDirectory(t);
  const writer = openLog(t, directory, capturingLogger());
  const batchSize = writeFiveBatches(writer);
  await writer.close();
  const logPath = join(directory, `${FIRST_SEGMENT}.log`);
  truncateSync(logPath, 5 * batchSize - 20);

  const captured = capturingLogger();
  const recovered = openLog(t, directory, captured);
  assert.equal(recovered.logEndOffset, 12n);
  assert.equal(recovered.highWatermark, 12n);
  assert.equal(statSync(logPath).size, 4 * batchSize);
  assert.deepEqual(decodeValues(Buffer.concat(consumeAll(recovered, 0n))), FOUR_BATCHES);
  const [warning] = warnings(captured, 'truncated torn batch');
  assert.equal(warning?.truncatedBytes, batchSize - 20);
  assert.equal(warning?.dir, directory);
  assert.equal(recovered.append([valuesBatch('next', 1)]).baseOffset, 12n);
});

test('a crash that tore the last write is repaired the same way', async (t) => {
  const directory = temporaryDirectory(t);
  const writer = openLog(t, directory, capturingLogger());
  const batchSize = writeFiveBatches(writer);
  const crashed = crashCopy(t, directory);
  truncateSync(join(crashed, `${FIRST_SEGMENT}.log`), 4 * batchSize + 30);

  const captured = capturingLogger();
  const recovered = openLog(t, crashed, captured);
  assert.equal(recovered.logEndOffset, 12n);
  assert.equal(warnings(captured, 'truncated torn batch')[0]?.truncatedBytes, 30);
});

test('a corrupt byte in the last batch fails its CRC and the batch is dropped, even after a clean shutdown', async (t) => {
  const directory = temporaryDirectory(t);
  const writer = openLog(t, directory, capturingLogger());
  const batchSize = writeFiveBatches(writer);
  await writer.close();
  flipByte(join(directory, `${FIRST_SEGMENT}.log`), 5 * batchSize - 3);

  const captured = capturingLogger();
  const recovered = openLog(t, directory, captured);
  assert.equal(recovered.logEndOffset, 12n);
  assert.deepEqual(decodeValues(Buffer.concat(consumeAll(recovered, 0n))), FOUR_BATCHES);
  const [warning] = warnings(captured, 'truncated torn batch');
  assert.equal(warning?.truncatedBytes, batchSize);
  assert.match(String(warning?.reason), /CRC/);
});

test('corruption in a middle batch after a crash truncates the log there', async (t) => {
  const directory = temporaryDirectory(t);
  const writer = openLog(t, directory, capturingLogger());
  const batchSize = writeFiveBatches(writer);
  const crashed = crashCopy(t, directory);
  flipByte(join(crashed, `${FIRST_SEGMENT}.log`), 2 * batchSize + 70);

  const recovered = openLog(t, crashed, capturingLogger());
  assert.equal(recovered.logEndOffset, 6n);
  assert.equal(statSync(join(crashed, `${FIRST_SEGMENT}.log`)).size, 2 * batchSize);
});

test('a torn segment drops the segments after it, so offsets stay contiguous', async (t) => {
  const directory = temporaryDirectory(t);
  const writer = openLog(t, directory, capturingLogger(), 400);
  for (let index = 0; index < 24; index++) writer.append([valuesBatch(`b${index}`, 3)]);
  const crashed = crashCopy(t, directory);
  const logs = readdirSync(crashed)
    .filter((file) => file.endsWith('.log'))
    .sort();
  assert.ok(logs.length >= 4, `segments: ${logs.join(', ')}`);
  // Without a checkpoint nothing is trusted; the second segment loses its tail.
  rmSync(join(crashed, 'partition.checkpoint'), { force: true });
  const second = join(crashed, logs[1]);
  truncateSync(second, statSync(second).size - 5);

  const captured = capturingLogger();
  const recovered = openLog(t, crashed, captured);
  const remaining = readdirSync(crashed)
    .filter((file) => file.endsWith('.log'))
    .sort();
  assert.deepEqual(remaining, logs.slice(0, 2));
  const values = decodeValues(Buffer.concat(consumeAll(recovered, 0n)));
  assert.equal(BigInt(values.length), recovered.logEndOffset);
  assert.deepEqual(values.slice(0, 3), ['b0-0', 'b0-1', 'b0-2']);
  assert.equal(warnings(captured, 'deleted segment after the end of the valid log').length, logs.length - 2);
});

test('deleted or damaged indexes are rebuilt from the log and give the same reads', async (t) => {
  const directory = temporaryDirectory(t);
  const writer = openLog(t, directory, capturingLogger(), 2000);
  for (let index = 0; index < 60; index++) writer.append([valuesBatch(`b${index}`, 4)]);
  const expected = decodeValues(Buffer.concat(consumeAll(writer, 0n)));
  await writer.close();
  const indexFiles = readdirSync(directory).filter((file) => file.endsWith('index'));
  const sizes = new Map(indexFiles.map((file) => [file, statSync(join(directory, file)).size]));
  assert.ok(
    [...sizes.values()].some((size) => size > 0),
    'the writer built index entries',
  );
  for (const file of indexFiles) {
    if (file.endsWith('.timeindex')) rmSync(join(directory, file));
    else truncateSync(join(directory, file), Math.max(0, statSync(join(directory, file)).size - 3));
  }

  const captured = capturingLogger();
  const recovered = openLog(t, directory, captured, 2000);
  assert.ok(warnings(captured, 'rebuilt missing or corrupt index').length >= indexFiles.length / 2);
  for (const file of indexFiles) {
    assert.ok(existsSync(join(directory, file)), `${file} rebuilt`);
    assert.equal(statSync(join(directory, file)).size, sizes.get(file), `${file} has its entries back`);
  }
  assert.deepEqual(decodeValues(Buffer.concat(consumeAll(recovered, 0n))), expected);
  for (let offset = 0n; offset < 240n; offset += 7n) {
    const records = recovered.read(offset, 1, recovered.highWatermark).records;
    assert.equal(records.readBigInt64BE(0), offset - (offset % 4n));
  }
});

test('a clean restart re-validates nothing but the tail and reports no repairs', async (t) => {
  const directory = temporaryDirectory(t);
  const writer = openLog(t, directory, capturingLogger(), 1000);
  let batchSize = 0;
  for (let index = 0; index < 30; index++) {
    const batch = valuesBatch(`b${index}`, 2);
    batchSize = batch.length;
    writer.append([batch]);
  }
  await writer.close();
  assert.ok(
    readdirSync(directory).filter((name) => name.endsWith('.log')).length > 2,
    'the log spans several segments, so the first one lies wholly below the recovery point',
  );
  // Damage in the first segment that every kind of rescan finds: a record byte the CRC covers (a 'full' scan cuts
  // the log at the first batch) and the second batch's magic, which the CRC does not cover (a 'structure' scan,
  // as for a segment whose index was lost, cuts it at the second). A restart that trusts the clean recovery point
  // reads neither and leaves them to the consumer's CRC check.
  const firstSegment = join(directory, `${FIRST_SEGMENT}.log`);
  flipByte(firstSegment, batchSize - 1);
  flipByte(firstSegment, batchSize + BatchHeaderAt.magic);
  const captured = capturingLogger();
  const reopened = openLog(t, directory, captured, 1000);
  assert.equal(reopened.logEndOffset, 60n, 'nothing below the recovery point was re-validated');
  assert.deepEqual(
    captured.lines.filter((line) => line.level >= 40),
    [],
  );
  assert.deepEqual(decodeValues(Buffer.concat(consumeAll(reopened, 58n))), ['b29-0', 'b29-1']);
});
