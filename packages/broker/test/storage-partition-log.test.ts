import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ErrorCode } from '../src/protocol/error-codes.ts';
import { PartitionLog, type PartitionLogOptions } from '../src/storage/partition-log.ts';
import { buildRecordBatch, decodeValues, valuesBatch } from './record-batch-builder.ts';
import { baseOffsets, capturingLogger, consumeAll, defer, temporaryDirectory } from './storage-support.ts';

function options(overrides: Partial<PartitionLogOptions> = {}): PartitionLogOptions {
  return { fsync: 'never', log: capturingLogger().log, ...overrides };
}

test('appended batches get consecutive offsets and read back identically across several segments and a reopen', async (t) => {
  const directory = temporaryDirectory(t);
  const partition = PartitionLog.open(directory, options({ segmentBytes: 1000, indexIntervalBytes: 200 }));
  const expected: string[] = [];
  for (let index = 0; index < 40; index++) {
    const result = partition.append([valuesBatch(`b${index}`, 3)]);
    assert.equal(result.errorCode, ErrorCode.NONE);
    assert.equal(result.baseOffset, BigInt(index * 3));
    await result.durable;
    expected.push(`b${index}-0`, `b${index}-1`, `b${index}-2`);
  }
  assert.equal(partition.logEndOffset, 120n);
  assert.equal(partition.highWatermark, 120n);
  const logFiles = readdirSync(directory).filter((file) => file.endsWith('.log'));
  assert.ok(logFiles.length > 3, `expected several segments, got ${logFiles.join(', ')}`);
  assert.ok(logFiles.includes('00000000000000000000.log'));
  for (const file of logFiles) assert.ok(statSync(join(directory, file)).size <= 1000);

  const consumed = consumeAll(partition, 0n);
  assert.deepEqual(decodeValues(Buffer.concat(consumed)), expected);
  assert.deepEqual(
    consumed.map((batch) => batch.readBigInt64BE(0)),
    Array.from({ length: 40 }, (_, index) => BigInt(index * 3)),
  );

  await partition.close();
  const reopened = PartitionLog.open(directory, options({ segmentBytes: 1000, indexIntervalBytes: 200 }));
  defer(t, () => reopened.close());
  assert.equal(reopened.logEndOffset, 120n);
  assert.equal(reopened.highWatermark, 120n);
  assert.deepEqual(decodeValues(Buffer.concat(consumeAll(reopened, 0n))), expected);
  const appended = reopened.append([valuesBatch('after-reopen', 2)]);
  assert.equal(appended.baseOffset, 120n);
});

test('a fetch offset inside a batch returns that whole batch, from any segment', async (t) => {
  const directory = temporaryDirectory(t);
  const partition = PartitionLog.open(directory, options({ segmentBytes: 700, indexIntervalBytes: 100 }));
  defer(t, () => partition.close());
  for (let index = 0; index < 30; index++) partition.append([valuesBatch(`b${index}`, 5)]);
  for (let offset = 0n; offset < 150n; offset++) {
    const result = partition.read(offset, 1, partition.highWatermark);
    assert.equal(result.errorCode, ErrorCode.NONE);
    const batchStart = offset - (offset % 5n);
    assert.deepEqual(baseOffsets(result.records), [batchStart], `fetch at ${offset}`);
    const batchIndex = Number(batchStart / 5n);
    assert.deepEqual(
      decodeValues(result.records),
      [0, 1, 2, 3, 4].map((record) => `b${batchIndex}-${record}`),
    );
  }
});

test('maxBytes bounds a read to whole batches, but the first batch is always returned whole (KIP-74)', (t) => {
  const directory = temporaryDirectory(t);
  const partition = PartitionLog.open(directory, options());
  defer(t, () => partition.close());
  const small = valuesBatch('small', 2);
  partition.append([Buffer.from(small)]);
  partition.append([valuesBatch('small', 2)]);
  const largeBatch = buildRecordBatch({ records: [{ value: Buffer.alloc(5000, 1) }] });
  partition.append([Buffer.from(largeBatch)]);
  partition.append([valuesBatch('small', 2)]);
  const size = small.length;

  assert.deepEqual(baseOffsets(partition.read(0n, 2 * size, 100n).records), [0n, 2n]);
  assert.deepEqual(baseOffsets(partition.read(0n, 2 * size - 1, 100n).records), [0n]);
  // The large batch is not split and not returned after the small ones when it does not fit...
  assert.deepEqual(baseOffsets(partition.read(0n, 3 * size, 100n).records), [0n, 2n]);
  // ...but a fetch starting at it gets it whole even with a tiny maxBytes.
  const large = partition.read(4n, 10, 100n).records;
  assert.deepEqual(baseOffsets(large), [4n]);
  assert.ok(largeBatch.length > 5000);
  assert.equal(large.length, largeBatch.length);
  assert.deepEqual(baseOffsets(partition.read(0n, 1, 100n).records), [0n]);
});

test('reads stop before upTo, return nothing at the log end and refuse offsets outside the log', (t) => {
  const directory = temporaryDirectory(t);
  const partition = PartitionLog.open(directory, options());
  defer(t, () => partition.close());
  for (let index = 0; index < 4; index++) partition.append([valuesBatch(`b${index}`, 2)]);
  assert.deepEqual(baseOffsets(partition.read(0n, 100_000, 4n).records), [0n, 2n]);
  assert.deepEqual(baseOffsets(partition.read(0n, 100_000, 5n).records), [0n, 2n]);
  assert.deepEqual(partition.read(4n, 100_000, 4n), { errorCode: ErrorCode.NONE, records: Buffer.alloc(0) });
  assert.deepEqual(partition.read(8n, 100_000, 8n), { errorCode: ErrorCode.NONE, records: Buffer.alloc(0) });
  assert.equal(partition.read(9n, 100_000, 8n).errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
  assert.equal(partition.read(-1n, 100_000, 8n).errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
});

test('offsetForTimestamp finds the first record at or after a timestamp, across segments and after a reopen', async (t) => {
  const directory = temporaryDirectory(t);
  const open = () => PartitionLog.open(directory, options({ segmentBytes: 600, indexIntervalBytes: 100 }));
  const partition = open();
  // Batch i holds records at 1000 * i + 0, + 100, + 200 (ms).
  for (let index = 0; index < 20; index++) {
    const base = BigInt(1_000_000 + index * 1000);
    partition.append([
      buildRecordBatch({
        baseTimestamp: base,
        records: [0n, 100n, 200n].map((delta) => ({ value: `v${index}`, timestamp: base + delta })),
      }),
    ]);
  }
  const check = (log: PartitionLog) => {
    assert.deepEqual(log.offsetForTimestamp(0n), { offset: 0n, timestamp: 1_000_000n });
    assert.deepEqual(log.offsetForTimestamp(1_005_050n), { offset: 16n, timestamp: 1_005_100n });
    assert.deepEqual(log.offsetForTimestamp(1_005_200n), { offset: 17n, timestamp: 1_005_200n });
    assert.deepEqual(log.offsetForTimestamp(1_005_201n), { offset: 18n, timestamp: 1_006_000n });
    assert.deepEqual(log.offsetForTimestamp(1_019_200n), { offset: 59n, timestamp: 1_019_200n });
    assert.equal(log.offsetForTimestamp(1_019_201n), null);
    assert.deepEqual(log.maxTimestampOffset(), { offset: 59n, timestamp: 1_019_200n });
  };
  check(partition);
  await partition.close();
  const reopened = open();
  defer(t, () => reopened.close());
  check(reopened);
});

test('the offset index is sparse: about one entry per index interval of log bytes', async (t) => {
  const directory = temporaryDirectory(t);
  const partition = PartitionLog.open(directory, options({ indexIntervalBytes: 4096 }));
  for (let index = 0; index < 200; index++) partition.append([valuesBatch(`batch-${index}`, 10)]);
  const logBytes = partition.sizeInBytes;
  await partition.close();
  const entries = statSync(join(directory, '00000000000000000000.index')).size / 8;
  assert.ok(entries >= Math.floor(logBytes / 4096) - 1 && entries <= Math.ceil(logBytes / 4096), `${entries} entries`);
});
