// One segment of a partition's log: `<20-digit base offset>.log` holding record batches back to back, exactly as
// produced but with the broker-assigned base offset, plus its sparse `.index` and `.timeindex` (Kafka's layout).
// Only the last segment of a partition (the active one) is appended to. Reads go straight to the file with
// positional reads; the indexes bound how far a reader scans.
import { closeSync, fdatasyncSync, fstatSync, ftruncateSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import {
  BatchHeaderAt,
  hasValidCrc,
  RECORD_BATCH_HEADER_BYTES,
  type RecordBatchHeader,
  readRecordBatchHeader,
  recordBatchSize,
} from '../record-batch/record-batch.ts';
import { firstRecordAtOrAfter, type TimestampedOffset } from '../record-batch/record-timestamps.ts';
import { OffsetIndex } from './offset-index.ts';
import { TimeIndex } from './time-index.ts';

export const LOG_FILE_SUFFIX = '.log';
export const OFFSET_INDEX_FILE_SUFFIX = '.index';
export const TIME_INDEX_FILE_SUFFIX = '.timeindex';
const BASE_OFFSET_DIGITS = 20;

const CURRENT_MAGIC = 2;

/** Recovery reads whole batches in chunks this large, so CRC checks do not cost a system call per batch. */
const RECOVERY_CHUNK_BYTES = 1024 * 1024;
/** Locating an offset reads headers only, starting at most about one index interval before it. */
const LOCATE_CHUNK_BYTES = 16 * 1024;

export function segmentFileName(baseOffset: bigint, suffix: string): string {
  return baseOffset.toString().padStart(BASE_OFFSET_DIGITS, '0') + suffix;
}

/** The base offset a segment file name encodes, or undefined when `fileName` is not a segment's .log file. */
export function parseSegmentLogFileName(fileName: string): bigint | undefined {
  const match = /^(\d{20})\.log$/.exec(fileName);
  return match === null ? undefined : BigInt(match[1]);
}

/** How a scan is given each batch: `buffer[at, at + size)` is the batch at file position `position`. */
type BatchVisitor = (buffer: Buffer, at: number, position: number, size: number) => boolean;

interface ScanEnd {
  /** Where the scan stopped: the end, or the start of the batch it stopped at. */
  position: number;
  stop: 'end' | 'visitor' | 'torn';
}

export interface SegmentRecovery {
  truncatedBytes: number;
  /** Why the scan stopped before the end of the file, when it did. */
  reason?: string;
}

export type RecoveryValidation = 'full' | 'structure';

export interface RollLimits {
  segmentBytes: number;
  segmentMs: number;
}

export class LogSegment {
  readonly baseOffset: bigint;
  readonly logPath: string;
  readonly offsetIndex: OffsetIndex;
  readonly timeIndex: TimeIndex;
  /** Whether both index files loaded intact; when false they are empty and must be rebuilt by a recovery scan. */
  readonly indexesLoaded: boolean;
  readonly #indexIntervalBytes: number;
  #fd: number;
  #size: number;
  #nextOffset: bigint;
  #maxTimestamp = -1n;
  #offsetOfMaxTimestamp: bigint;
  #bytesSinceIndexEntry = 0;
  /** Syncs in flight on the descriptors, which must stay open (a reused descriptor number would be synced instead). */
  #flushes = 0;
  #deleted = false;
  readonly #createdMs: number;
  /** Max timestamp of the first batch, -1 when unknown or absent: what segment.ms is measured from. */
  #firstBatchTimestamp = -1n;

  private constructor(
    directory: string,
    baseOffset: bigint,
    fd: number,
    indexes: { offsetIndex: OffsetIndex; timeIndex: TimeIndex; loaded: boolean },
    indexIntervalBytes: number,
    nowMs: number,
  ) {
    this.baseOffset = baseOffset;
    this.logPath = join(directory, segmentFileName(baseOffset, LOG_FILE_SUFFIX));
    this.#fd = fd;
    this.#size = fstatSync(fd).size;
    this.#nextOffset = baseOffset;
    this.#offsetOfMaxTimestamp = baseOffset;
    this.offsetIndex = indexes.offsetIndex;
    this.timeIndex = indexes.timeIndex;
    this.indexesLoaded = indexes.loaded;
    this.#indexIntervalBytes = indexIntervalBytes;
    this.#createdMs = nowMs;
    if (this.#size >= RECORD_BATCH_HEADER_BYTES) {
      this.#firstBatchTimestamp = this.read(0, RECORD_BATCH_HEADER_BYTES).readBigInt64BE(BatchHeaderAt.maxTimestamp);
    }
  }

  /** A new, empty segment; an existing file of that name (left by an interrupted roll) is emptied. */
  static create(directory: string, baseOffset: bigint, indexIntervalBytes: number, nowMs: number): LogSegment {
    const fd = openSync(join(directory, segmentFileName(baseOffset, LOG_FILE_SUFFIX)), 'w+');
    const offsetIndex = OffsetIndex.empty(join(directory, segmentFileName(baseOffset, OFFSET_INDEX_FILE_SUFFIX)));
    const timeIndex = TimeIndex.empty(join(directory, segmentFileName(baseOffset, TIME_INDEX_FILE_SUFFIX)));
    offsetIndex.writeFile();
    timeIndex.writeFile();
    return new LogSegment(
      directory,
      baseOffset,
      fd,
      { offsetIndex, timeIndex, loaded: true },
      indexIntervalBytes,
      nowMs,
    );
  }

  /**
   * An existing segment. Its end state (next offset, max timestamp) is not known until the caller either trusts its
   * indexes (`restoreFromIndexes`) or scans it (`recover`).
   */
  static open(directory: string, baseOffset: bigint, indexIntervalBytes: number, nowMs: number): LogSegment {
    const fd = openSync(join(directory, segmentFileName(baseOffset, LOG_FILE_SUFFIX)), 'r+');
    const logSize = fstatSync(fd).size;
    const offsetIndexPath = join(directory, segmentFileName(baseOffset, OFFSET_INDEX_FILE_SUFFIX));
    const timeIndexPath = join(directory, segmentFileName(baseOffset, TIME_INDEX_FILE_SUFFIX));
    const loadedOffsetIndex = OffsetIndex.load(offsetIndexPath, logSize);
    const loadedTimeIndex = TimeIndex.load(timeIndexPath);
    const loaded = loadedOffsetIndex !== undefined && loadedTimeIndex !== undefined;
    const indexes = {
      offsetIndex: loaded ? loadedOffsetIndex : OffsetIndex.empty(offsetIndexPath),
      timeIndex: loaded ? loadedTimeIndex : TimeIndex.empty(timeIndexPath),
      loaded,
    };
    return new LogSegment(directory, baseOffset, fd, indexes, indexIntervalBytes, nowMs);
  }

  get size(): number {
    return this.#size;
  }

  /** The offset after this segment's last batch (its base offset while empty). */
  get nextOffset(): bigint {
    return this.#nextOffset;
  }

  /** The largest batch max timestamp in the segment, -1 when no batch carries one. */
  get maxTimestamp(): bigint {
    return this.#maxTimestamp;
  }

  /** Base offset of the first batch that reached the max timestamp. */
  get offsetOfMaxTimestamp(): bigint {
    return this.#offsetOfMaxTimestamp;
  }

  /**
   * Adopts the state implied by trusted indexes of a segment that was completely flushed: its next offset is known
   * from the following segment (or the recovery checkpoint), its max timestamp is the time index's last entry.
   */
  restoreFromIndexes(nextOffset: bigint): void {
    this.#nextOffset = nextOffset;
    this.#maxTimestamp = this.timeIndex.lastTimestamp;
    this.#offsetOfMaxTimestamp = this.baseOffset + BigInt(this.timeIndex.lastRelativeOffset);
    this.#bytesSinceIndexEntry = this.#size - this.offsetIndex.lastPosition;
  }

  /**
   * Scans the file from `fromPosition` (a batch boundary whose batch has offset `fromOffset`) to its end, re-indexing
   * every batch, and truncates the file at the first batch that is cut off or invalid. 'full' validation checks each
   * batch's CRC-32C (for data that may not have reached the disk whole); 'structure' checks only that lengths and
   * offsets chain (for flushed data whose index was lost).
   */
  recover(fromPosition: number, fromOffset: bigint, validation: RecoveryValidation): SegmentRecovery {
    this.offsetIndex.truncateFromPosition(fromPosition);
    this.timeIndex.truncateFromOffset(Number(fromOffset - this.baseOffset));
    this.restoreFromIndexes(fromOffset);
    this.#bytesSinceIndexEntry = fromPosition - this.offsetIndex.lastPosition;
    let reason: string | undefined;
    const visit: BatchVisitor = (buffer, at, position, size) => {
      reason = batchProblem(buffer, at, position, size, this.#nextOffset, validation);
      if (reason !== undefined) return false;
      const baseOffset = buffer.readBigInt64BE(at);
      const lastOffset = baseOffset + BigInt(buffer.readInt32BE(at + BatchHeaderAt.lastOffsetDelta));
      this.#indexBatch(position, size, baseOffset, lastOffset, buffer.readBigInt64BE(at + BatchHeaderAt.maxTimestamp));
      return true;
    };
    const end = this.#scan(fromPosition, this.#size, validation === 'full', visit, RECOVERY_CHUNK_BYTES);
    if (end.stop === 'torn') reason = `batch at byte ${end.position} is cut off`;
    const truncatedBytes = this.#size - end.position;
    if (truncatedBytes > 0) {
      ftruncateSync(this.#fd, end.position);
      this.#size = end.position;
      if (this.#size === 0) this.#firstBatchTimestamp = -1n;
    }
    return reason === undefined ? { truncatedBytes } : { truncatedBytes, reason };
  }

  /**
   * Checks that the batches in [fromPosition, toPosition) are whole, chain from `fromOffset` and pass their CRC-32C,
   * returning the offset after them (undefined when they do not). Reads only: used on the short tail before the
   * recovery point, which a clean shutdown does not re-validate otherwise.
   */
  verify(fromPosition: number, fromOffset: bigint, toPosition: number): bigint | undefined {
    let expectedOffset = fromOffset;
    const end = this.#scan(
      fromPosition,
      toPosition,
      true,
      (buffer, at, position, size) => {
        if (batchProblem(buffer, at, position, size, expectedOffset, 'full') !== undefined) return false;
        expectedOffset =
          buffer.readBigInt64BE(at) + BigInt(buffer.readInt32BE(at + BatchHeaderAt.lastOffsetDelta)) + 1n;
        return true;
      },
      RECOVERY_CHUNK_BYTES,
    );
    return end.stop === 'end' && end.position === toPosition ? expectedOffset : undefined;
  }

  /** Rewrites both index files from memory (after a recovery scan changed them). */
  writeIndexFiles(): void {
    this.offsetIndex.writeFile();
    this.timeIndex.writeFile();
  }

  /** Keeps the index files open for the appends of the active segment. */
  openIndexesForAppend(): void {
    this.offsetIndex.openForAppend();
    this.timeIndex.openForAppend();
  }

  /**
   * Whether an append of `bytes`, ending at `lastOffset` with max timestamp `maxTimestamp`, should go to a new segment.
   * The age check follows Kafka's LogSegment.shouldRoll: the incoming timestamp minus the first batch's, or wall-clock
   * time since creation when batches carry no timestamps, so replaying old data does not roll on every batch.
   */
  isFullFor(
    append: { bytes: number; lastOffset: bigint; maxTimestamp: bigint },
    roll: RollLimits,
    nowMs: number,
  ): boolean {
    if (this.#size === 0) return false;
    if (this.#size + append.bytes > roll.segmentBytes) return true;
    const age =
      this.#firstBatchTimestamp >= 0n
        ? Number(append.maxTimestamp - this.#firstBatchTimestamp)
        : nowMs - this.#createdMs;
    if (age > roll.segmentMs) return true;
    // Index entries store offsets relative to the base offset in 32 bits, as in Kafka.
    return append.lastOffset - this.baseOffset > 0x7fffffffn;
  }

  /**
   * Writes batches whose base offsets are already assigned and indexes them. On a write error the file is cut back
   * to its previous size and the error is thrown.
   */
  append(batches: readonly Buffer[]): void {
    const start = this.#size;
    let position = start;
    try {
      for (const batch of batches) {
        writeFully(this.#fd, batch, position);
        position += batch.length;
      }
    } catch (error) {
      ftruncateSync(this.#fd, start);
      throw error;
    }
    if (start === 0 && batches.length > 0)
      this.#firstBatchTimestamp = batches[0].readBigInt64BE(BatchHeaderAt.maxTimestamp);
    position = start;
    for (const batch of batches) {
      const baseOffset = batch.readBigInt64BE(0);
      const lastOffset = baseOffset + BigInt(batch.readInt32BE(BatchHeaderAt.lastOffsetDelta));
      this.#indexBatch(
        position,
        batch.length,
        baseOffset,
        lastOffset,
        batch.readBigInt64BE(BatchHeaderAt.maxTimestamp),
      );
      position += batch.length;
    }
    this.#size = position;
  }

  /** Reads up to `length` bytes at `position` (fewer at the end of the file). */
  read(position: number, length: number): Buffer {
    const buffer = Buffer.allocUnsafe(length);
    const read = this.#readInto(buffer, position, length);
    return read === length ? buffer : buffer.subarray(0, read);
  }

  /** The position of the batch containing `offset`, or undefined when the segment holds no such batch. */
  locate(offset: bigint): number | undefined {
    if (offset < this.baseOffset || offset >= this.#nextOffset) return undefined;
    const start = this.offsetIndex.lookup(Number(offset - this.baseOffset));
    let found: number | undefined;
    this.#scan(
      start,
      this.#size,
      false,
      (buffer, at, position) => {
        const lastOffset = buffer.readBigInt64BE(at) + BigInt(buffer.readInt32BE(at + BatchHeaderAt.lastOffsetDelta));
        if (lastOffset < offset) return true;
        found = position;
        return false;
      },
      LOCATE_CHUNK_BYTES,
    );
    return found;
  }

  /** Calls `visit` with the header of every batch from `fromPosition` (a batch boundary) to the end. */
  forEachBatchHeader(fromPosition: number, visit: (header: RecordBatchHeader) => void): void {
    const visitHeader: BatchVisitor = (buffer, at) => {
      visit(readRecordBatchHeader(buffer, at));
      return true;
    };
    this.#scan(fromPosition, this.#size, false, visitHeader, RECOVERY_CHUNK_BYTES);
  }

  /**
   * The first record at or after `target` in a batch whose max timestamp reaches it, considering only batches
   * that start below `endOffset`. The time index gives where to start: no earlier batch can qualify.
   */
  findByTimestamp(target: bigint, endOffset: bigint): TimestampedOffset | undefined {
    const relativeOffset = this.timeIndex.lookupBefore(target);
    const start = relativeOffset === undefined ? 0 : this.offsetIndex.lookup(relativeOffset);
    let found: TimestampedOffset | undefined;
    this.#scan(
      start,
      this.#size,
      true,
      (buffer, at, _position, size) => {
        if (buffer.readBigInt64BE(at) >= endOffset) return false;
        if (buffer.readBigInt64BE(at + BatchHeaderAt.maxTimestamp) < target) return true;
        found = firstRecordAtOrAfter(buffer.subarray(at, at + size), target);
        return false;
      },
      RECOVERY_CHUNK_BYTES,
    );
    return found;
  }

  /**
   * The timestamp time-based retention compares: the largest batch timestamp, or the file's modification time when no
   * batch has one (as Kafka does).
   */
  largestTimestampMs(): number {
    return this.#maxTimestamp >= 0n ? Number(this.#maxTimestamp) : fstatSync(this.#fd).mtimeMs;
  }

  /** Records the final max timestamp in the time index, so it survives the segment becoming inactive. */
  seal(): void {
    if (this.#maxTimestamp >= 0n) {
      this.timeIndex.maybeAppend(this.#maxTimestamp, Number(this.#offsetOfMaxTimestamp - this.baseOffset));
    }
  }

  /** Syncs the log data with `datasync`. */
  async syncLog(datasync: (fd: number) => Promise<void>): Promise<void> {
    this.#flushes++;
    try {
      await datasync(this.#fd);
    } finally {
      this.#flushDone();
    }
  }

  /** Syncs the log and both indexes. */
  async flush(datasync: (fd: number) => Promise<void>): Promise<void> {
    this.#flushes++;
    try {
      await datasync(this.#fd);
      await this.offsetIndex.flush();
      await this.timeIndex.flush();
    } finally {
      this.#flushDone();
    }
  }

  /** Syncs the log and any open index file, blocking; for opening, where nothing else waits yet. */
  flushSync(): void {
    fdatasyncSync(this.#fd);
    this.offsetIndex.flushSync();
    this.timeIndex.flushSync();
  }

  /** Closes the index files once the segment is inactive; their entries stay in memory for lookups. */
  closeIndexFiles(): void {
    this.offsetIndex.closeFile();
    this.timeIndex.closeFile();
  }

  close(): void {
    this.closeIndexFiles();
    if (this.#fd >= 0) closeSync(this.#fd);
    this.#fd = -1;
  }

  /** Removes the files at once; the descriptors close as soon as no sync is using them. */
  delete(): void {
    this.#deleted = true;
    rmSync(this.logPath, { force: true });
    rmSync(this.offsetIndex.path, { force: true });
    rmSync(this.timeIndex.path, { force: true });
    if (this.#flushes === 0) this.close();
  }

  #flushDone(): void {
    this.#flushes--;
    if (this.#flushes === 0 && this.#deleted) this.close();
  }

  #indexBatch(position: number, size: number, baseOffset: bigint, lastOffset: bigint, maxTimestamp: bigint): void {
    if (maxTimestamp > this.#maxTimestamp) {
      this.#maxTimestamp = maxTimestamp;
      this.#offsetOfMaxTimestamp = baseOffset;
    }
    // As in Kafka, an entry goes in once more than an interval of bytes went by since the last one, before the batch.
    if (this.#bytesSinceIndexEntry > this.#indexIntervalBytes) {
      this.offsetIndex.append(Number(baseOffset - this.baseOffset), position);
      if (this.#maxTimestamp >= 0n) {
        this.timeIndex.maybeAppend(this.#maxTimestamp, Number(this.#offsetOfMaxTimestamp - this.baseOffset));
      }
      this.#bytesSinceIndexEntry = 0;
    }
    this.#bytesSinceIndexEntry += size;
    this.#nextOffset = lastOffset + 1n;
  }

  /**
   * Walks the batches in [from, to), reading `chunkBytes` at a time. With `wholeBatches` the visitor sees each batch
   * entirely; otherwise only its header is guaranteed to be in the buffer. Stops at the visitor's request, or as
   * 'torn' at a batch whose header or declared length does not fit before `to`.
   */
  #scan(from: number, to: number, wholeBatches: boolean, visit: BatchVisitor, chunkBytes: number): ScanEnd {
    if (from >= to) return { position: from, stop: 'end' };
    const chunk = Buffer.allocUnsafe(Math.max(RECORD_BATCH_HEADER_BYTES, Math.min(chunkBytes, to - from)));
    let position = from;
    while (position < to) {
      if (to - position < RECORD_BATCH_HEADER_BYTES) return { position, stop: 'torn' };
      const length = this.#readInto(chunk, position, Math.min(chunk.length, to - position));
      if (length < RECORD_BATCH_HEADER_BYTES) return { position, stop: 'torn' };
      let at = 0;
      while (at + RECORD_BATCH_HEADER_BYTES <= length) {
        const batchPosition = position + at;
        const size = recordBatchSize(chunk, at);
        if (size < RECORD_BATCH_HEADER_BYTES || batchPosition + size > to)
          return { position: batchPosition, stop: 'torn' };
        if (wholeBatches && at + size > length) {
          if (at > 0) break;
          // A batch larger than the chunk: read it on its own.
          const batch = this.read(batchPosition, size);
          if (batch.length < size) return { position: batchPosition, stop: 'torn' };
          if (!visit(batch, 0, batchPosition, size)) return { position: batchPosition, stop: 'visitor' };
          at = size;
          break;
        }
        if (!visit(chunk, at, batchPosition, size)) return { position: batchPosition, stop: 'visitor' };
        at += size;
      }
      position += at;
    }
    return { position, stop: 'end' };
  }

  #readInto(buffer: Buffer, position: number, length: number): number {
    let read = 0;
    while (read < length) {
      const bytes = readSync(this.#fd, buffer, read, length - read, position + read);
      if (bytes === 0) break;
      read += bytes;
    }
    return read;
  }
}

/** Why the batch at `buffer[at]` cannot be part of the log, or undefined when it can. */
function batchProblem(
  buffer: Buffer,
  at: number,
  position: number,
  size: number,
  expectedOffset: bigint,
  validation: RecoveryValidation,
): string | undefined {
  const magic = buffer.readInt8(at + BatchHeaderAt.magic);
  if (magic !== CURRENT_MAGIC) return `batch at byte ${position} has magic ${magic}`;
  const baseOffset = buffer.readBigInt64BE(at);
  if (baseOffset !== expectedOffset) {
    return `batch at byte ${position} has offset ${baseOffset} where ${expectedOffset} was expected`;
  }
  if (buffer.readInt32BE(at + BatchHeaderAt.lastOffsetDelta) < 0)
    return `batch at byte ${position} has a negative lastOffsetDelta`;
  if (validation === 'full' && !hasValidCrc(buffer, at, size)) return `batch at byte ${position} fails its CRC-32C`;
  return undefined;
}

function writeFully(fd: number, buffer: Buffer, position: number): void {
  let written = 0;
  while (written < buffer.length) {
    written += writeSync(fd, buffer, written, buffer.length - written, position + written);
  }
}
