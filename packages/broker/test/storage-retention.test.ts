import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { type TestContext, test } from 'node:test';
import { ErrorCode } from '../src/protocol/error-codes.ts';
import { PartitionLog, type PartitionLogOptions } from '../src/storage/partition-log.ts';
import { decodeValues, valuesBatch } from './record-batch-builder.ts';
import { type CapturedLog, capturingLogger, consumeAll, defer, temporaryDirectory } from './storage-support.ts';

const NOW = 1_800_000_000_000;
const DAY = 24 * 60 * 60 * 1000;

function openLog(t: TestContext, directory: string, overrides: Partial<PartitionLogOptions>): PartitionLog {
  const captured = capturingLogger();
  const partition = PartitionLog.open(directory, {
    fsync: 'never',
    log: captured.log,
    segmentBytes: 500,
    ...overrides,
  });
  logs.set(partition, captured);
  defer(t, () => partition.close());
  return partition;
}

const logs = new WeakMap<PartitionLog, CapturedLog>();

/** Closes the log and checks that neither retention nor the background flushes it raced with reported an error. */
async function closeCleanly(partition: PartitionLog): Promise<void> {
  await partition.close();
  const errors = logs.get(partition)?.lines.filter((line) => line.level >= 50) ?? [];
  assert.deepEqual(errors, []);
}

function appendAt(partition: PartitionLog, timestampMs: number, label: string): bigint {
  return partition.append([valuesBatch(label, 2, { baseTimestamp: BigInt(timestampMs) })]).baseOffset;
}

function segmentFiles(directory: string): string[] {
  return readdirSync(directory)
    .filter((file) => file.endsWith('.log'))
    .sort();
}

test('time retention deletes whole segments whose newest batch is older than retention.ms', async (t) => {
  const directory = temporaryDirectory(t);
  const partition = openLog(t, directory, { retentionMs: 7 * DAY });
  for (let index = 0; index < 12; index++) appendAt(partition, NOW - 10 * DAY, `old${index}`);
  const firstRecent = appendAt(partition, NOW - DAY, 'recent0');
  for (let index = 1; index < 8; index++) appendAt(partition, NOW - DAY, `recent${index}`);
  const before = segmentFiles(directory);

  partition.applyRetention(NOW);
  const after = segmentFiles(directory);
  assert.ok(after.length < before.length, 'some segments were deleted');
  assert.ok(after.length >= 2, 'segments with recent data remain');
  assert.ok(partition.logStartOffset > 0n && partition.logStartOffset <= firstRecent);
  assert.equal(after[0], `${partition.logStartOffset.toString().padStart(20, '0')}.log`);
  assert.equal(partition.read(0n, 1000, partition.highWatermark).errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
  const remaining = decodeValues(Buffer.concat(consumeAll(partition, partition.logStartOffset)));
  assert.ok(remaining.includes('recent0-0') && remaining.includes('recent7-1'));
  assert.ok(remaining.every((value) => value.startsWith('old11') || value.startsWith('recent')));
  await closeCleanly(partition);
});

test('when even the active segment has expired, it is replaced by an empty one and the log empties', async (t) => {
  const directory = temporaryDirectory(t);
  const partition = openLog(t, directory, { retentionMs: 7 * DAY });
  for (let index = 0; index < 10; index++) appendAt(partition, NOW - 30 * DAY, `old${index}`);
  const end = partition.logEndOffset;

  partition.applyRetention(NOW);
  assert.deepEqual(segmentFiles(directory), [`${end.toString().padStart(20, '0')}.log`]);
  assert.equal(partition.logStartOffset, end);
  assert.equal(partition.logEndOffset, end);
  assert.equal(partition.read(end, 1000, partition.highWatermark).records.length, 0);
  assert.equal(appendAt(partition, NOW, 'new'), end, 'offsets continue where the log ended');
  await closeCleanly(partition);
});

test('size retention deletes the oldest segments while the rest still exceeds retention.bytes', async (t) => {
  const directory = temporaryDirectory(t);
  const partition = openLog(t, directory, { retentionMs: -1, retentionBytes: 1200 });
  for (let index = 0; index < 30; index++) appendAt(partition, NOW, `v${index}`);
  const segmentsBefore = segmentFiles(directory).length;
  const sizeBefore = partition.sizeInBytes;
  assert.ok(sizeBefore > 2 * 1200);

  partition.applyRetention(NOW);
  assert.ok(segmentFiles(directory).length < segmentsBefore);
  assert.ok(partition.sizeInBytes >= 1200, 'never below retention.bytes');
  assert.ok(partition.sizeInBytes < 1200 + 500, 'within one segment of retention.bytes');
  assert.equal(partition.logEndOffset, 60n, 'the active segment is kept');
  assert.equal(partition.append([valuesBatch('after', 1)]).errorCode, ErrorCode.NONE);
  await closeCleanly(partition);
});

test('retention -1 keeps everything', (t) => {
  const directory = temporaryDirectory(t);
  const partition = openLog(t, directory, { retentionMs: -1, retentionBytes: -1 });
  for (let index = 0; index < 20; index++) appendAt(partition, NOW - 365 * DAY, `v${index}`);
  const before = segmentFiles(directory);
  partition.applyRetention(NOW);
  assert.deepEqual(segmentFiles(directory), before);
  assert.equal(partition.logStartOffset, 0n);
});

test('retention never deletes data above the high watermark', async (t) => {
  const directory = temporaryDirectory(t);
  const held: Array<() => void> = [];
  let holding = true;
  const partition = openLog(t, directory, {
    fsync: 'batch',
    retentionMs: 7 * DAY,
    datasync: () =>
      new Promise<void>((resolve) => {
        if (holding) held.push(resolve);
        else resolve();
      }),
  });
  defer(t, () => {
    holding = false;
    for (const release of held.splice(0)) release();
  });
  for (let index = 0; index < 10; index++) appendAt(partition, NOW - 30 * DAY, `old${index}`);
  assert.equal(partition.highWatermark, 0n);
  const before = segmentFiles(directory);
  partition.applyRetention(NOW);
  assert.deepEqual(segmentFiles(directory), before);
  assert.equal(partition.logStartOffset, 0n);
});

test('the log start offset survives a restart', async (t) => {
  const directory = temporaryDirectory(t);
  const partition = PartitionLog.open(directory, {
    fsync: 'never',
    log: capturingLogger().log,
    segmentBytes: 500,
    retentionBytes: 600,
    retentionMs: -1,
  });
  for (let index = 0; index < 20; index++) appendAt(partition, NOW, `v${index}`);
  partition.applyRetention(NOW);
  const logStartOffset = partition.logStartOffset;
  assert.ok(logStartOffset > 0n);
  await partition.close();
  const reopened = openLog(t, directory, { retentionMs: -1 });
  assert.equal(reopened.logStartOffset, logStartOffset);
  assert.equal(reopened.logEndOffset, 40n);
});
