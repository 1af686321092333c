// One partition's log: a directory of segments (segment.ts) plus a checkpoint (partition-checkpoint.ts). Appends
// assign offsets and write synchronously; `durable` and the high watermark follow the fsync policy, so a consumer
// never sees data that a crash could take back. Reads return whole batches exactly as stored. Opening recovers from
// a crash (partition-recovery.ts): everything after the recovery point is re-validated batch by batch and a torn or
// corrupt tail is cut off; missing or damaged indexes are rebuilt from the .log files.
import { randomUUID } from 'node:crypto';
import { mkdirSync, renameSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Logger } from 'pino';
import { ErrorCode } from '../protocol/error-codes.ts';
import {
  BATCH_LENGTH_PREFIX_BYTES,
  BatchHeaderAt,
  batchLastSequence,
  readRecordBatchHeader,
  recordBatchSize,
  setBaseOffset,
  wrapSequence,
} from '../record-batch/record-batch.ts';
import { firstRecordAtOrAfter, type TimestampedOffset } from '../record-batch/record-timestamps.ts';
import { syncDirectoryAsync } from './atomic-file.ts';
import { syncDirectory } from './framed-log.ts';
import {
  type PartitionCheckpoint,
  readPartitionCheckpoint,
  writePartitionCheckpoint,
  writePartitionCheckpointSync,
} from './partition-checkpoint.ts';
import { type PartitionLogOptions, type PartitionLogSettings, partitionLogSettings } from './partition-log-settings.ts';
import { listSegmentFiles, recoverSegments, replayProducerState } from './partition-recovery.ts';
import { type ProducerAppend, ProducerStateTable } from './producer-state.ts';
import { LogSegment } from './segment.ts';
import { SyncQueue } from './sync-queue.ts';

export type { TimestampedOffset } from '../record-batch/record-timestamps.ts';
export type { ProducerAppend } from './producer-state.ts';
export type { PartitionLogOptions } from './partition-log-settings.ts';
export { DEFAULT_RETENTION_MS, DEFAULT_SEGMENT_BYTES, DEFAULT_SEGMENT_MS } from './partition-log-settings.ts';

export interface AppendResult {
  errorCode: number;
  errorMessage?: string;
  /** The offset of the first appended record, or of the original batch for a retried duplicate; -1 on error. */
  baseOffset: bigint;
  /** Always -1: batches keep their CreateTime timestamps (no topic uses LogAppendTime). */
  logAppendTime: bigint;
  logStartOffset: bigint;
  /** Resolves once the appended data is on disk under the fsync policy; rejects if syncing failed. */
  durable: Promise<void>;
}

export interface ReadResult {
  errorCode: number;
  records: Buffer;
}

/** Suffix of a partition directory renamed for deletion (Kafka's `<topic>-<partition>.<id>-delete`). */
export const DELETED_DIRECTORY_SUFFIX = '-delete';

const EMPTY_RECORDS = Buffer.alloc(0);
const RESOLVED = Promise.resolve();

export class PartitionLog {
  #directory: string;
  readonly #settings: PartitionLogSettings;
  readonly #log: Logger;
  /** Ordered by base offset; the last one is the active segment. Never empty. */
  readonly #segments: LogSegment[] = [];
  readonly #producers = new ProducerStateTable();
  readonly #syncQueue: SyncQueue | undefined;
  readonly #listeners = new Set<() => void>();
  #highWatermark = 0n;
  /** Set when a segment file was created and no sync has covered the directory since. */
  #directoryChanged = false;
  /** Roll flushes and checkpoint writes, one after another; never rejects (failures fail the log). */
  #background: Promise<void> = RESOLVED;
  /** Why the log refuses appends and reads: closed, deleted, or failed storage. */
  #unavailable: { errorCode: number; errorMessage: string } | undefined;
  #closing: Promise<void> | undefined;
  #deleting: Promise<void> | undefined;

  private constructor(directory: string, settings: PartitionLogSettings) {
    this.#directory = directory;
    this.#settings = settings;
    this.#log = settings.log;
    if (settings.fsync !== 'never') {
      this.#syncQueue = new SyncQueue({
        policy: settings.fsync,
        datasync: settings.datasync,
        syncDirectory: () => syncDirectoryAsync(this.#directory),
        onDurable: (endOffset) => this.#advanceHighWatermark(endOffset),
        onFailure: (error) => this.#fail(error),
      });
    }
  }

  static open(directory: string, options: PartitionLogOptions): PartitionLog {
    const settings = partitionLogSettings(options);
    mkdirSync(directory, { recursive: true });
    const partitionLog = new PartitionLog(directory, settings);
    partitionLog.#load(Date.now());
    return partitionLog;
  }

  get directory(): string {
    return this.#directory;
  }

  /** The offset the next appended record gets. */
  get logEndOffset(): bigint {
    return this.#active.nextOffset;
  }

  get logStartOffset(): bigint {
    return this.#segments[0].baseOffset;
  }

  /** The end of the data that is durable under the fsync policy: what consumers may read. */
  get highWatermark(): bigint {
    return this.#highWatermark;
  }

  /** Bytes of record batches stored, over all segments. */
  get sizeInBytes(): number {
    let total = 0;
    for (const segment of this.#segments) total += segment.size;
    return total;
  }

  /** Calls `listener` whenever the high watermark moves; returns the unsubscribe function. */
  onHighWatermarkAdvance(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Appends batches already validated by splitRecordBatches, writing the assigned offsets into them. `producer` is
   * the idempotent producer's claim for the whole append (KIP-98); when omitted, a single batch's own header is used.
   * A retried duplicate is not written again and answers with its original base offset.
   */
  append(batches: Buffer[], producer?: ProducerAppend): AppendResult {
    if (this.#unavailable !== undefined) {
      return this.#refusedAppend(this.#unavailable.errorCode, this.#unavailable.errorMessage);
    }
    if (batches.length === 0) return this.#refusedAppend(ErrorCode.INVALID_RECORD, 'no record batches to append');
    const nowMs = Date.now();
    const claim = producer === undefined ? producerOfBatches(batches) : normalizedClaim(producer);
    if (claim !== undefined) {
      const check = this.#producers.check(claim);
      if (check.kind === 'refused') return this.#refusedAppend(check.errorCode, check.errorMessage);
      if (check.kind === 'duplicate') {
        this.#log.debug(
          { producerId: claim.producerId, baseSequence: claim.baseSequence },
          'duplicate batch not appended',
        );
        return {
          errorCode: ErrorCode.NONE,
          baseOffset: check.batch.firstOffset,
          logAppendTime: -1n,
          logStartOffset: this.logStartOffset,
          durable: this.#whenDurable(check.batch.lastOffset),
        };
      }
    }
    let bytes = 0;
    let records = 0n;
    let maxTimestamp = -1n;
    for (const batch of batches) {
      bytes += batch.length;
      records += BigInt(batch.readInt32BE(BatchHeaderAt.lastOffsetDelta)) + 1n;
      const batchMaxTimestamp = batch.readBigInt64BE(BatchHeaderAt.maxTimestamp);
      if (batchMaxTimestamp > maxTimestamp) maxTimestamp = batchMaxTimestamp;
    }
    const baseOffset = this.logEndOffset;
    const lastOffset = baseOffset + records - 1n;
    try {
      if (this.#active.isFullFor({ bytes, lastOffset, maxTimestamp }, this.#settings, nowMs)) this.#roll(nowMs);
      let nextOffset = baseOffset;
      for (const batch of batches) {
        setBaseOffset(batch, nextOffset);
        nextOffset += BigInt(batch.readInt32BE(BatchHeaderAt.lastOffsetDelta)) + 1n;
      }
      this.#active.append(batches);
    } catch (error) {
      this.#fail(error);
      return this.#refusedAppend(ErrorCode.KAFKA_STORAGE_ERROR, 'the partition log could not be written');
    }
    if (claim !== undefined) this.#producers.record(claim, baseOffset, lastOffset, nowMs);
    let durable = RESOLVED;
    if (this.#syncQueue === undefined) {
      this.#advanceHighWatermark(this.logEndOffset);
    } else {
      durable = this.#syncQueue.enqueue(this.#active, this.logEndOffset, this.#directoryChanged);
      this.#directoryChanged = false;
    }
    return { errorCode: ErrorCode.NONE, baseOffset, logAppendTime: -1n, logStartOffset: this.logStartOffset, durable };
  }

  /**
   * Whole batches from the one containing `fetchOffset`, up to `maxBytes`, but always the first batch even when it
   * alone is larger (KIP-74), unless `minOneBatch` is false (a Fetch's later partitions, once an earlier one returned
   * data): then nothing. Never a batch reaching `upTo` (usually the high watermark). Reads stay within one segment, as
   * Kafka's do; the consumer's next fetch continues in the next one.
   */
  read(fetchOffset: bigint, maxBytes: number, upTo: bigint, minOneBatch = true): ReadResult {
    if (this.#unavailable !== undefined) return { errorCode: this.#unavailable.errorCode, records: EMPTY_RECORDS };
    if (fetchOffset < this.logStartOffset || fetchOffset > this.logEndOffset) {
      return { errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, records: EMPTY_RECORDS };
    }
    const limit = upTo < this.logEndOffset ? upTo : this.logEndOffset;
    if (fetchOffset >= limit) return { errorCode: ErrorCode.NONE, records: EMPTY_RECORDS };
    const segment = this.#segmentContaining(fetchOffset);
    const position = segment.locate(fetchOffset);
    if (position === undefined) return { errorCode: ErrorCode.NONE, records: EMPTY_RECORDS };
    const available = segment.size - position;
    let buffer = segment.read(position, Math.min(available, Math.max(maxBytes, BATCH_LENGTH_PREFIX_BYTES)));
    let end = 0;
    while (end + BATCH_LENGTH_PREFIX_BYTES <= buffer.length) {
      const size = recordBatchSize(buffer, end);
      if (end > 0 && end + size > maxBytes) break;
      if (end + size > buffer.length) {
        if (end > 0 || !minOneBatch) break;
        // The first batch does not fit in maxBytes: it is returned whole anyway (KIP-74).
        buffer = segment.read(position, size);
      }
      const lastOffset = buffer.readBigInt64BE(end) + BigInt(buffer.readInt32BE(end + BatchHeaderAt.lastOffsetDelta));
      if (lastOffset >= limit) break;
      end += size;
    }
    return { errorCode: ErrorCode.NONE, records: end === buffer.length ? buffer : buffer.subarray(0, end) };
  }

  /**
   * The first record with a timestamp at or after `timestamp`, below the high watermark (ListOffsets). Found through
   * each segment's max timestamp and time index; within an uncompressed batch the exact record is found, within a
   * compressed one the batch's base offset is the answer.
   */
  offsetForTimestamp(timestamp: bigint): TimestampedOffset | null {
    if (this.#unavailable !== undefined) return null;
    for (const segment of this.#segments) {
      if (segment.maxTimestamp < timestamp) continue;
      const found = segment.findByTimestamp(timestamp, this.#highWatermark);
      return found !== undefined && found.offset < this.#highWatermark ? found : null;
    }
    return null;
  }

  /** The record with the largest timestamp below the high watermark (ListOffsets -3, KIP-734), first one on ties. */
  maxTimestampOffset(): TimestampedOffset | null {
    if (this.#unavailable !== undefined) return null;
    let newest: LogSegment | undefined;
    for (const segment of this.#segments) {
      if (segment.maxTimestamp >= 0n && (newest === undefined || segment.maxTimestamp > newest.maxTimestamp)) {
        newest = segment;
      }
    }
    if (newest === undefined || newest.offsetOfMaxTimestamp >= this.#highWatermark) return null;
    const position = newest.locate(newest.offsetOfMaxTimestamp);
    if (position === undefined) return null;
    const size = recordBatchSize(newest.read(position, BATCH_LENGTH_PREFIX_BYTES), 0);
    return firstRecordAtOrAfter(newest.read(position, size), newest.maxTimestamp);
  }

  /**
   * Deletes whole segments from the start of the log: those whose newest batch is older than retention.ms, and the
   * oldest ones while the log exceeds retention.bytes. Never data above the high watermark. When even the active
   * segment has expired, a new empty one replaces it, as Kafka does, so an idle topic does empty out.
   */
  applyRetention(nowMs: number): void {
    if (this.#unavailable !== undefined) return;
    const expiredProducers = this.#producers.expire(nowMs, this.#settings.producerIdExpirationMs);
    if (expiredProducers > 0) this.#log.debug({ expiredProducers }, 'expired idle producer ids');
    const { retentionMs, retentionBytes } = this.#settings;
    const segments = this.#segments;
    let deletable = 0;
    if (retentionMs >= 0) {
      while (
        deletable < segments.length &&
        segments[deletable].size > 0 &&
        nowMs - segments[deletable].largestTimestampMs() > retentionMs
      ) {
        deletable++;
      }
    }
    if (retentionBytes >= 0) {
      let excess = this.sizeInBytes - retentionBytes;
      let count = 0;
      while (count < segments.length - 1 && excess - segments[count].size >= 0) {
        excess -= segments[count].size;
        count++;
      }
      deletable = Math.max(deletable, count);
    }
    let deleting = 0;
    while (deleting < deletable && segments[deleting].nextOffset <= this.#highWatermark) deleting++;
    if (deleting === 0) return;
    try {
      if (deleting === segments.length) this.#rollForRetention(nowMs);
      for (const segment of segments.splice(0, deleting)) {
        segment.delete();
        this.#log.info(
          { dir: this.#directory, baseOffset: segment.baseOffset, nextOffset: segment.nextOffset },
          'deleted segment by retention',
        );
      }
    } catch (error) {
      this.#fail(error);
    }
  }

  /** Waits for pending syncs, flushes the active segment, records a clean recovery point and closes every file. */
  close(): Promise<void> {
    if (this.#deleting !== undefined) return this.#deleting;
    if (this.#closing === undefined) {
      const failed = this.#unavailable !== undefined;
      this.#unavailable ??= {
        errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER,
        errorMessage: 'the partition log is closed',
      };
      this.#closing = this.#closeFiles(!failed);
    }
    return this.#closing;
  }

  /**
   * Removes the partition for topic deletion: the directory is renamed away at once (so a topic re-created under the
   * same name starts empty), then deleted once in-flight syncs have settled.
   */
  deleteFiles(): Promise<void> {
    if (this.#deleting === undefined) {
      this.#unavailable = {
        errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        errorMessage: 'the partition was deleted',
      };
      const trash = `${this.#directory}.${randomUUID().replaceAll('-', '')}${DELETED_DIRECTORY_SUFFIX}`;
      renameSync(this.#directory, trash);
      this.#directory = trash;
      const closing = this.#closing ?? this.#closeFiles(false);
      this.#deleting = closing.catch(() => undefined).then(() => rm(trash, { recursive: true, force: true }));
    }
    return this.#deleting;
  }

  get #active(): LogSegment {
    return this.#segments[this.#segments.length - 1];
  }

  async #closeFiles(flush: boolean): Promise<void> {
    try {
      await this.#syncQueue?.drain();
      await this.#background;
      if (flush) {
        const active = this.#active;
        active.seal();
        await active.flush(this.#settings.datasync);
        await writePartitionCheckpoint(this.#directory, this.#checkpoint(active.size));
      }
    } finally {
      for (const segment of this.#segments) segment.close();
    }
  }

  /** The checkpoint for "everything up to the log end offset, at `position` in the active segment, is on disk". */
  #checkpoint(position: number): PartitionCheckpoint {
    return {
      recoveryPoint: { offset: this.logEndOffset, segmentBaseOffset: this.#active.baseOffset, position },
      producerFrames: this.#producers.encode(),
    };
  }

  #segmentContaining(offset: bigint): LogSegment {
    const segments = this.#segments;
    let low = 0;
    let high = segments.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >>> 1;
      if (segments[middle].baseOffset <= offset) low = middle;
      else high = middle - 1;
    }
    return segments[low];
  }

  #whenDurable(lastOffset: bigint): Promise<void> {
    if (lastOffset < this.#highWatermark || this.#syncQueue === undefined) return RESOLVED;
    return this.#syncQueue.whenDurable(lastOffset);
  }

  /**
   * Starts a new active segment at the log end offset. The old one is sealed and flushed in the background (whatever
   * the fsync policy, as Kafka flushes on roll), then the checkpoint moves the recovery point to the new segment.
   */
  #roll(nowMs: number): void {
    const old = this.#active;
    old.seal();
    const segment = LogSegment.create(this.#directory, this.logEndOffset, this.#settings.indexIntervalBytes, nowMs);
    this.#segments.push(segment);
    this.#directoryChanged = true;
    const checkpoint = this.#checkpoint(0);
    this.#log.debug({ dir: this.#directory, baseOffset: segment.baseOffset }, 'rolled segment');
    // Started at once, so the descriptors stay open for it even if retention deletes the segment meanwhile.
    const flushed = old.flush(this.#settings.datasync);
    flushed.catch(() => undefined);
    this.#inBackground('segment roll flush', async () => {
      await flushed;
      old.closeIndexFiles();
      await writePartitionCheckpoint(this.#directory, checkpoint);
    });
  }

  /** A new active segment so that an expired active segment can be deleted; the old one needs no flush. */
  #rollForRetention(nowMs: number): void {
    const segment = LogSegment.create(this.#directory, this.logEndOffset, this.#settings.indexIntervalBytes, nowMs);
    this.#segments.push(segment);
    this.#directoryChanged = true;
    const checkpoint = this.#checkpoint(0);
    this.#inBackground('retention checkpoint', () => writePartitionCheckpoint(this.#directory, checkpoint));
  }

  #inBackground(what: string, task: () => Promise<void>): void {
    this.#background = this.#background.then(task).catch((error: unknown) => {
      this.#log.error({ err: error, dir: this.#directory }, `${what} failed`);
      this.#fail(error);
    });
  }

  #advanceHighWatermark(offset: bigint): void {
    if (offset <= this.#highWatermark) return;
    this.#highWatermark = offset;
    for (const listener of [...this.#listeners]) {
      try {
        listener();
      } catch (error) {
        this.#log.error({ err: error }, 'high watermark listener threw');
      }
    }
  }

  /** Storage errors are not retried: like Kafka taking a log directory offline, the partition refuses further work. */
  #fail(error: unknown): void {
    if (this.#unavailable !== undefined) return;
    this.#unavailable = { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, errorMessage: 'the partition log failed' };
    this.#log.error({ err: error, dir: this.#directory }, 'partition log storage failed; refusing appends and reads');
  }

  #refusedAppend(errorCode: number, errorMessage: string): AppendResult {
    const logStartOffset = this.logStartOffset;
    return { errorCode, errorMessage, baseOffset: -1n, logAppendTime: -1n, logStartOffset, durable: RESOLVED };
  }

  // ---- opening and recovery ----

  #load(nowMs: number): void {
    const directory = this.#directory;
    const baseOffsets = listSegmentFiles(directory);
    const checkpoint = readPartitionCheckpoint(directory);
    const settings = this.#settings;
    if (baseOffsets.length === 0) {
      const start = checkpoint?.recoveryPoint.offset ?? 0n;
      this.#segments.push(LogSegment.create(directory, start, settings.indexIntervalBytes, nowMs));
      if (checkpoint !== undefined) replayProducerState(this.#producers, this.#segments, checkpoint, nowMs);
      this.#highWatermark = start;
      return;
    }
    for (const baseOffset of baseOffsets) {
      this.#segments.push(LogSegment.open(directory, baseOffset, settings.indexIntervalBytes, nowMs));
    }
    const repaired = recoverSegments(this.#segments, checkpoint?.recoveryPoint, directory, this.#log);
    const active = this.#active;
    active.openIndexesForAppend();
    replayProducerState(this.#producers, this.#segments, checkpoint, nowMs);
    if (repaired) {
      // The validated log is now the recovery point, so the next start does not scan it again.
      syncDirectory(directory);
      writePartitionCheckpointSync(directory, this.#checkpoint(active.size));
    }
    this.#highWatermark = this.logEndOffset;
  }
}

function producerOfBatches(batches: readonly Buffer[]): ProducerAppend | undefined {
  if (batches.length !== 1) return undefined;
  const header = readRecordBatchHeader(batches[0], 0);
  if (header.producerId < 0n) return undefined;
  return {
    producerId: header.producerId,
    producerEpoch: header.producerEpoch,
    baseSequence: header.baseSequence,
    lastSequence: batchLastSequence(header),
  };
}

function normalizedClaim(producer: ProducerAppend): ProducerAppend | undefined {
  if (producer.producerId < 0n) return undefined;
  return { ...producer, lastSequence: wrapSequence(producer.lastSequence) };
}
