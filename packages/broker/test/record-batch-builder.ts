// Builds Kafka v2 record batches for tests, independently of the broker's own code paths except CRC-32C (whose
// correctness is proven against published vectors in record-batch-crc32c.test.ts).
import { crc32c } from '../src/record-batch/crc32c.ts';

export interface TestRecord {
  key?: string | null;
  value: string | Buffer;
  /** Absolute timestamp; defaults to the batch's base timestamp. */
  timestamp?: bigint;
}

export interface TestBatchOptions {
  records: TestRecord[];
  baseTimestamp?: bigint;
  baseOffset?: bigint;
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
  attributes?: number;
  magic?: number;
}

export function buildRecordBatch(options: TestBatchOptions): Buffer {
  const baseTimestamp = options.baseTimestamp ?? 1_700_000_000_000n;
  const encodedRecords: Buffer[] = [];
  let maxTimestamp = -1n;
  options.records.forEach((record, index) => {
    const timestamp = record.timestamp ?? baseTimestamp;
    if (timestamp > maxTimestamp) maxTimestamp = timestamp;
    encodedRecords.push(encodeRecord(record, timestamp - baseTimestamp, index));
  });
  const records = Buffer.concat(encodedRecords);
  const batch = Buffer.alloc(61 + records.length);
  batch.writeBigInt64BE(options.baseOffset ?? 0n, 0);
  batch.writeInt32BE(batch.length - 12, 8);
  batch.writeInt32BE(-1, 12);
  batch.writeInt8(options.magic ?? 2, 16);
  batch.writeInt16BE(options.attributes ?? 0, 21);
  batch.writeInt32BE(options.records.length - 1, 23);
  batch.writeBigInt64BE(baseTimestamp, 27);
  batch.writeBigInt64BE(maxTimestamp, 35);
  batch.writeBigInt64BE(options.producerId ?? -1n, 43);
  batch.writeInt16BE(options.producerEpoch ?? -1, 51);
  batch.writeInt32BE(options.baseSequence ?? -1, 53);
  batch.writeInt32BE(options.records.length, 57);
  records.copy(batch, 61);
  batch.writeUInt32BE(crc32c(batch, 21), 17);
  return batch;
}

/** Recomputes the CRC after a test edited a batch's header. */
export function resealBatch(batch: Buffer): Buffer {
  batch.writeUInt32BE(crc32c(batch, 21), 17);
  return batch;
}

/** A batch of `count` records whose values are `${prefix}-${i}`. */
export function valuesBatch(prefix: string, count: number, options: Omit<TestBatchOptions, 'records'> = {}): Buffer {
  return buildRecordBatch({
    ...options,
    records: Array.from({ length: count }, (_, index) => ({ value: `${prefix}-${index}` })),
  });
}

function encodeRecord(record: TestRecord, timestampDelta: bigint, offsetDelta: number): Buffer {
  const key = record.key === undefined || record.key === null ? null : Buffer.from(record.key);
  const value = typeof record.value === 'string' ? Buffer.from(record.value) : record.value;
  const body = Buffer.concat([
    Buffer.from([0]),
    zigzagVarlong(timestampDelta),
    zigzagVarlong(BigInt(offsetDelta)),
    zigzagVarlong(BigInt(key === null ? -1 : key.length)),
    key ?? Buffer.alloc(0),
    zigzagVarlong(BigInt(value.length)),
    value,
    zigzagVarlong(0n),
  ]);
  return Buffer.concat([zigzagVarlong(BigInt(body.length)), body]);
}

function zigzagVarlong(value: bigint): Buffer {
  let zigzag = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
  const bytes: number[] = [];
  while (zigzag >= 0x80n) {
    bytes.push(Number(zigzag & 0x7fn) | 0x80);
    zigzag >>= 7n;
  }
  bytes.push(Number(zigzag));
  return Buffer.from(bytes);
}

/** The values of every record in a (possibly multi-batch) uncompressed records blob, in order. */
export function decodeValues(records: Buffer): string[] {
  const values: string[] = [];
  let position = 0;
  while (position < records.length) {
    const size = 12 + records.readInt32BE(position + 8);
    const count = records.readInt32BE(position + 57);
    let cursor = position + 61;
    for (let index = 0; index < count; index++) {
      const length = readVarint(records, cursor);
      const recordEnd = length.next + length.value;
      cursor = length.next + 1;
      cursor = readVarint(records, cursor).next;
      cursor = readVarint(records, cursor).next;
      const keyLength = readVarint(records, cursor);
      cursor = keyLength.next + Math.max(0, keyLength.value);
      const valueLength = readVarint(records, cursor);
      values.push(records.toString('utf8', valueLength.next, valueLength.next + valueLength.value));
      cursor = recordEnd;
    }
    position += size;
  }
  return values;
}

function readVarint(buffer: Buffer, position: number): { value: number; next: number } {
  let raw = 0;
  let shift = 0;
  let cursor = position;
  for (;;) {
    const byte = buffer[cursor++];
    raw += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) break;
    shift += 7;
  }
  const value = raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
  return { value, next: cursor };
}
