// Record-level timestamps inside an uncompressed v2 batch, for ListOffsets by timestamp: Kafka answers with the first
// record whose timestamp is at or after the target, not the first batch. Records are
//   length varint | attributes int8 | timestampDelta varlong | offsetDelta varint | key... | value... | headers...
// (zigzag varints, https://kafka.apache.org/documentation/#record). Compressed batches would need decompression,
// so for them the batch itself (base offset, max timestamp) is the answer.
import { RECORD_BATCH_HEADER_BYTES, readRecordBatchHeader, TIMESTAMP_TYPE_LOG_APPEND_TIME } from './record-batch.ts';

const COMPRESSION_CODEC_MASK = 0x07;

export interface TimestampedOffset {
  offset: bigint;
  timestamp: bigint;
}

/**
 * The first record of `batch` with a timestamp at or after `target`, or the batch's own base offset and max timestamp
 * when its records cannot be read (compressed, log-append-time, or malformed). The caller has already established that
 * the batch's max timestamp is at or after `target`.
 */
export function firstRecordAtOrAfter(batch: Buffer, target: bigint): TimestampedOffset {
  const header = readRecordBatchHeader(batch, 0);
  const wholeBatch = { offset: header.baseOffset, timestamp: header.maxTimestamp };
  if ((header.attributes & COMPRESSION_CODEC_MASK) !== 0 || header.attributes & TIMESTAMP_TYPE_LOG_APPEND_TIME) {
    return wholeBatch;
  }
  const reader = new VarintReader(batch, RECORD_BATCH_HEADER_BYTES);
  for (let index = 0; index < header.recordCount; index++) {
    const length = reader.readVarint();
    const recordStart = reader.position;
    if (length === undefined || length < 0 || recordStart + length > batch.length) return wholeBatch;
    reader.position += 1; // attributes
    const timestampDelta = reader.readVarlong();
    const offsetDelta = reader.readVarint();
    if (timestampDelta === undefined || offsetDelta === undefined) return wholeBatch;
    const timestamp = header.baseTimestamp + timestampDelta;
    if (timestamp >= target) return { offset: header.baseOffset + BigInt(offsetDelta), timestamp };
    reader.position = recordStart + length;
  }
  return wholeBatch;
}

class VarintReader {
  readonly #buffer: Buffer;
  position: number;

  constructor(buffer: Buffer, position: number) {
    this.#buffer = buffer;
    this.position = position;
  }

  /** A zigzag varint of at most 5 bytes, or undefined when it runs past the buffer or is too long. */
  readVarint(): number | undefined {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (this.position >= this.#buffer.length) return undefined;
      const byte = this.#buffer[this.position++];
      value |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return (value >>> 1) ^ -(value & 1);
    }
    return undefined;
  }

  /** A zigzag varlong of at most 10 bytes. */
  readVarlong(): bigint | undefined {
    let value = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.position >= this.#buffer.length) return undefined;
      const byte = this.#buffer[this.position++];
      value |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return (value >> 1n) ^ -(value & 1n);
    }
    return undefined;
  }
}
