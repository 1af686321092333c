import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '../src/protocol/error-codes.ts';
import {
  batchLastSequence,
  readRecordBatchHeader,
  setBaseOffset,
  splitRecordBatches,
} from '../src/record-batch/record-batch.ts';
import { firstRecordAtOrAfter } from '../src/record-batch/record-timestamps.ts';
import { buildRecordBatch, resealBatch, valuesBatch } from './record-batch-builder.ts';

function errorOf(records: Buffer): { errorCode: number; errorMessage: string } {
  const result = splitRecordBatches(records);
  assert.ok('errorCode' in result, 'expected the records to be refused');
  return result;
}

test('readRecordBatchHeader reads every header field', () => {
  const batch = buildRecordBatch({
    records: [
      { value: 'a', timestamp: 1000n },
      { value: 'b', timestamp: 1500n },
      { value: 'c', timestamp: 1200n },
    ],
    baseTimestamp: 1000n,
    baseOffset: 42n,
    producerId: 7n,
    producerEpoch: 3,
    baseSequence: 10,
  });
  const header = readRecordBatchHeader(batch, 0);
  assert.deepEqual(
    { ...header, crc: undefined },
    {
      baseOffset: 42n,
      batchLength: batch.length - 12,
      partitionLeaderEpoch: -1,
      magic: 2,
      crc: undefined,
      attributes: 0,
      lastOffsetDelta: 2,
      baseTimestamp: 1000n,
      maxTimestamp: 1500n,
      producerId: 7n,
      producerEpoch: 3,
      baseSequence: 10,
      recordCount: 3,
    },
  );
  assert.equal(batchLastSequence(header), 12);
});

test('batchLastSequence wraps past int32 max to 0 (KIP-98)', () => {
  assert.equal(batchLastSequence({ baseSequence: 0x7ffffffe, lastOffsetDelta: 1 }), 0x7fffffff);
  assert.equal(batchLastSequence({ baseSequence: 0x7ffffffe, lastOffsetDelta: 2 }), 0);
  assert.equal(batchLastSequence({ baseSequence: 0x7fffffff, lastOffsetDelta: 4 }), 3);
});

test('splitRecordBatches returns each batch of a multi-batch blob as a view', () => {
  const first = valuesBatch('first', 2);
  const second = valuesBatch('second', 3);
  const result = splitRecordBatches(Buffer.concat([first, second]));
  assert.ok('batches' in result);
  assert.equal(result.batches.length, 2);
  assert.deepEqual(result.batches[0], first);
  assert.deepEqual(result.batches[1], second);
});

test('a batch cut short is CORRUPT_MESSAGE', () => {
  const batch = valuesBatch('v', 3);
  assert.equal(errorOf(batch.subarray(0, batch.length - 1)).errorCode, ErrorCode.CORRUPT_MESSAGE);
  assert.equal(errorOf(batch.subarray(0, 10)).errorCode, ErrorCode.CORRUPT_MESSAGE);
  assert.equal(errorOf(Buffer.concat([batch, batch.subarray(0, 30)])).errorCode, ErrorCode.CORRUPT_MESSAGE);
});

test('a flipped byte fails the CRC-32C: CORRUPT_MESSAGE', () => {
  const batch = valuesBatch('v', 3);
  batch[batch.length - 2] ^= 0x01;
  const error = errorOf(batch);
  assert.equal(error.errorCode, ErrorCode.CORRUPT_MESSAGE);
  assert.match(error.errorMessage, /CRC/);
});

test('the base offset is outside the CRC: rewriting it keeps the batch valid', () => {
  const batch = valuesBatch('v', 3);
  setBaseOffset(batch, 123_456_789_012n);
  const result = splitRecordBatches(batch);
  assert.ok('batches' in result);
  assert.equal(readRecordBatchHeader(result.batches[0], 0).baseOffset, 123_456_789_012n);
});

test('old message formats (magic 0 and 1) get UNSUPPORTED_FOR_MESSAGE_FORMAT, not a crash', () => {
  for (const magic of [0, 1]) {
    // A v0/v1 message set entry: offset, size, crc, magic, attributes, [timestamp], key, value.
    const message = Buffer.alloc(34);
    message.writeBigInt64BE(0n, 0);
    message.writeInt32BE(message.length - 12, 8);
    message.writeInt8(magic, 16);
    const error = errorOf(message);
    assert.equal(error.errorCode, ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT);
    assert.match(error.errorMessage, new RegExp(`v${magic}`));
  }
});

test('an unknown magic is CORRUPT_MESSAGE', () => {
  const batch = valuesBatch('v', 1, { magic: 3 });
  assert.equal(errorOf(batch).errorCode, ErrorCode.CORRUPT_MESSAGE);
});

test('a batch with no records, or a lastOffsetDelta that disagrees with its count, is INVALID_RECORD', () => {
  assert.equal(errorOf(buildRecordBatch({ records: [] })).errorCode, ErrorCode.INVALID_RECORD);
  const batch = valuesBatch('v', 3);
  batch.writeInt32BE(5, 23);
  assert.equal(errorOf(resealBatch(batch)).errorCode, ErrorCode.INVALID_RECORD);
});

test('transactional and control batches are refused with INVALID_RECORD and a reason', () => {
  const transactional = valuesBatch('v', 1, { attributes: 0x10, producerId: 1n, producerEpoch: 0, baseSequence: 0 });
  assert.match(errorOf(transactional).errorMessage, /transactional/);
  assert.equal(errorOf(transactional).errorCode, ErrorCode.INVALID_RECORD);
  const control = valuesBatch('v', 1, { attributes: 0x20 });
  assert.equal(errorOf(control).errorCode, ErrorCode.INVALID_RECORD);
  assert.match(errorOf(control).errorMessage, /control/);
});

test('an idempotent batch without a sequence is INVALID_RECORD', () => {
  const batch = valuesBatch('v', 1, { producerId: 5n, producerEpoch: 0, baseSequence: -1 });
  assert.equal(errorOf(batch).errorCode, ErrorCode.INVALID_RECORD);
});

test('an unknown compression codec is CORRUPT_MESSAGE', () => {
  assert.equal(errorOf(valuesBatch('v', 1, { attributes: 6 })).errorCode, ErrorCode.CORRUPT_MESSAGE);
});

test('firstRecordAtOrAfter finds the first record at or after a timestamp inside an uncompressed batch', () => {
  const batch = buildRecordBatch({
    baseOffset: 100n,
    baseTimestamp: 1000n,
    records: [
      { value: 'a', timestamp: 1000n },
      { value: 'b', timestamp: 1300n },
      { value: 'c', timestamp: 1200n },
      { value: 'd', timestamp: 1400n },
    ],
  });
  assert.deepEqual(firstRecordAtOrAfter(batch, 1250n), { offset: 101n, timestamp: 1300n });
  assert.deepEqual(firstRecordAtOrAfter(batch, 1000n), { offset: 100n, timestamp: 1000n });
  assert.deepEqual(firstRecordAtOrAfter(batch, 1400n), { offset: 103n, timestamp: 1400n });
});

test('firstRecordAtOrAfter answers with the whole batch when it is compressed', () => {
  const batch = buildRecordBatch({
    baseOffset: 100n,
    baseTimestamp: 1000n,
    attributes: 1,
    records: [
      { value: 'a', timestamp: 1000n },
      { value: 'b', timestamp: 1300n },
    ],
  });
  assert.deepEqual(firstRecordAtOrAfter(batch, 1250n), { offset: 100n, timestamp: 1300n });
});
