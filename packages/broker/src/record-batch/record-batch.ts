// Kafka's v2 record batch (magic 2, KIP-98; https://kafka.apache.org/documentation/#recordbatch). The broker treats
// a batch as an opaque, checksummed unit: it validates the 61-byte header and the CRC, writes the offset it assigns
// into baseOffset, and stores and serves the bytes exactly as produced. Records are never decompressed.
//
//   baseOffset int64 | batchLength int32 | partitionLeaderEpoch int32 | magic int8 | crc uint32 | attributes int16 |
//   lastOffsetDelta int32 | baseTimestamp int64 | maxTimestamp int64 | producerId int64 | producerEpoch int16 |
//   baseSequence int32 | recordCount int32 | records...
import { ErrorCode } from '../protocol/error-codes.ts';
import { crc32c } from './crc32c.ts';

export interface RecordBatchHeader {
  baseOffset: bigint;
  /** Bytes after the batchLength field; the whole batch is batchLength + 12 bytes. */
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: bigint;
  maxTimestamp: bigint;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

/** Size of the v2 header; also the smallest possible batch (no records). */
export const RECORD_BATCH_HEADER_BYTES = 61;
/** baseOffset and batchLength, the part of the header that batchLength does not count. */
export const BATCH_LENGTH_PREFIX_BYTES = 12;

/** Where each field of the v2 header starts, from the batch's first byte (baseOffset is at 0). */
export const BatchHeaderAt = {
  batchLength: 8,
  partitionLeaderEpoch: 12,
  magic: 16,
  crc: 17,
  attributes: 21,
  lastOffsetDelta: 23,
  baseTimestamp: 27,
  maxTimestamp: 35,
  producerId: 43,
  producerEpoch: 51,
  baseSequence: 53,
  recordCount: 57,
} as const;

const CURRENT_MAGIC = 2;
const COMPRESSION_CODEC_MASK = 0x07;
/** zstd (4) is the highest codec id Kafka defines. */
const MAX_COMPRESSION_CODEC = 4;
export const TIMESTAMP_TYPE_LOG_APPEND_TIME = 0x08;
const TRANSACTIONAL_FLAG = 0x10;
const CONTROL_FLAG = 0x20;
const INT32_MAX = 0x7fffffff;

export function readRecordBatchHeader(buffer: Buffer, position: number): RecordBatchHeader {
  return {
    baseOffset: buffer.readBigInt64BE(position),
    batchLength: buffer.readInt32BE(position + BatchHeaderAt.batchLength),
    partitionLeaderEpoch: buffer.readInt32BE(position + BatchHeaderAt.partitionLeaderEpoch),
    magic: buffer.readInt8(position + BatchHeaderAt.magic),
    crc: buffer.readUInt32BE(position + BatchHeaderAt.crc),
    attributes: buffer.readInt16BE(position + BatchHeaderAt.attributes),
    lastOffsetDelta: buffer.readInt32BE(position + BatchHeaderAt.lastOffsetDelta),
    baseTimestamp: buffer.readBigInt64BE(position + BatchHeaderAt.baseTimestamp),
    maxTimestamp: buffer.readBigInt64BE(position + BatchHeaderAt.maxTimestamp),
    producerId: buffer.readBigInt64BE(position + BatchHeaderAt.producerId),
    producerEpoch: buffer.readInt16BE(position + BatchHeaderAt.producerEpoch),
    baseSequence: buffer.readInt32BE(position + BatchHeaderAt.baseSequence),
    recordCount: buffer.readInt32BE(position + BatchHeaderAt.recordCount),
  };
}

/** The whole size in bytes of the batch starting at `position` (its length prefix must be readable). */
export function recordBatchSize(buffer: Buffer, position: number): number {
  return BATCH_LENGTH_PREFIX_BYTES + buffer.readInt32BE(position + BatchHeaderAt.batchLength);
}

/** Whether the CRC-32C stored in the batch at `position` matches its bytes (attributes to the end, per KIP-98). */
export function hasValidCrc(buffer: Buffer, position: number, size: number): boolean {
  return (
    crc32c(buffer, position + BatchHeaderAt.attributes, position + size) ===
    buffer.readUInt32BE(position + BatchHeaderAt.crc)
  );
}

/** Writes the broker-assigned offset. The CRC starts at attributes, so it stays valid. */
export function setBaseOffset(batch: Buffer, offset: bigint): void {
  batch.writeBigInt64BE(offset, 0);
}

/**
 * The sequence number of the batch's last record. Sequences wrap to 0 after int32 max (KIP-98), as Kafka's
 * DefaultRecordBatch.incrementSequence does.
 */
export function batchLastSequence(header: Pick<RecordBatchHeader, 'baseSequence' | 'lastOffsetDelta'>): number {
  return wrapSequence(header.baseSequence + header.lastOffsetDelta);
}

export function wrapSequence(sequence: number): number {
  return sequence > INT32_MAX ? sequence - INT32_MAX - 1 : sequence;
}

export type SplitRecordBatchesResult = { batches: Buffer[] } | { errorCode: number; errorMessage: string };

/**
 * Splits a produced `records` blob into its batches, validating each: whole, magic 2, CRC-32C, a known compression
 * codec, at least one record with a consistent lastOffsetDelta, and neither transactional nor control (this broker
 * has no transaction coordinator, and clients may never write control batches). The returned batches are views of
 * `records`, not copies.
 */
export function splitRecordBatches(records: Buffer): SplitRecordBatchesResult {
  const batches: Buffer[] = [];
  let position = 0;
  while (position < records.length) {
    const remaining = records.length - position;
    if (remaining <= BatchHeaderAt.magic) {
      return corrupt(`record batch at byte ${position} is cut off after ${remaining} bytes`);
    }
    const magic = records.readInt8(position + BatchHeaderAt.magic);
    if (magic === 0 || magic === 1) {
      return {
        errorCode: ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT,
        errorMessage: `message format v${magic} is not supported; this broker accepts only record batches (magic 2)`,
      };
    }
    if (magic !== CURRENT_MAGIC) return corrupt(`record batch at byte ${position} has unknown magic ${magic}`);
    const size = recordBatchSize(records, position);
    if (size < RECORD_BATCH_HEADER_BYTES) {
      return corrupt(`record batch at byte ${position} declares ${size} bytes, less than its header`);
    }
    if (size > remaining) {
      return corrupt(`record batch at byte ${position} declares ${size} bytes but only ${remaining} follow`);
    }
    if (!hasValidCrc(records, position, size)) return corrupt(`record batch at byte ${position} fails its CRC-32C`);
    const header = readRecordBatchHeader(records, position);
    const invalid = invalidHeaderReason(header);
    if (invalid !== undefined) return { errorCode: ErrorCode.INVALID_RECORD, errorMessage: invalid };
    if ((header.attributes & COMPRESSION_CODEC_MASK) > MAX_COMPRESSION_CODEC) {
      return corrupt(`record batch at byte ${position} uses unknown compression codec ${header.attributes & 7}`);
    }
    batches.push(records.subarray(position, position + size));
    position += size;
  }
  if (batches.length === 0) return { errorCode: ErrorCode.INVALID_RECORD, errorMessage: 'no record batches' };
  return { batches };
}

function invalidHeaderReason(header: RecordBatchHeader): string | undefined {
  if (header.attributes & CONTROL_FLAG) return 'clients may not write control batches';
  if (header.attributes & TRANSACTIONAL_FLAG) return 'transactional batches are not supported by this broker';
  if (header.recordCount < 1) return `record batch holds ${header.recordCount} records; at least one is required`;
  if (header.lastOffsetDelta !== header.recordCount - 1) {
    return `record batch has lastOffsetDelta ${header.lastOffsetDelta} but ${header.recordCount} records`;
  }
  if (header.producerId >= 0n && (header.producerEpoch < 0 || header.baseSequence < 0)) {
    return `idempotent batch of producer ${header.producerId} lacks an epoch or base sequence`;
  }
  return undefined;
}

function corrupt(errorMessage: string): { errorCode: number; errorMessage: string } {
  return { errorCode: ErrorCode.CORRUPT_MESSAGE, errorMessage };
}
