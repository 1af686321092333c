// Opening a partition log after a crash or a clean stop: which segment files are there, how much of them to trust,
// and the producer state the idempotence checks need. Everything after the checkpoint's recovery point is
// re-validated batch by batch (length, offsets, CRC-32C) and a torn or corrupt tail is cut off; segments wholly
// below it are trusted, their indexes only rebuilt if missing or damaged.
import { rmSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { batchLastSequence } from '../record-batch/record-batch.ts';
import { ATOMIC_TEMPORARY_SUFFIX } from './atomic-file.ts';
import type { PartitionCheckpoint } from './partition-checkpoint.ts';
import type { ProducerStateTable } from './producer-state.ts';
import { LOG_FILE_SUFFIX, type LogSegment, parseSegmentLogFileName, segmentFileName } from './segment.ts';

export type RecoveryPoint = PartitionCheckpoint['recoveryPoint'];

/** Base offsets of the segments present, sorted; removes leftovers of interrupted writes and orphaned indexes. */
export function listSegmentFiles(directory: string): bigint[] {
  const files = readdirSync(directory);
  const baseOffsets: bigint[] = [];
  for (const file of files) {
    const baseOffset = parseSegmentLogFileName(file);
    if (baseOffset !== undefined) baseOffsets.push(baseOffset);
  }
  const logFiles = new Set(baseOffsets.map((baseOffset) => segmentFileName(baseOffset, LOG_FILE_SUFFIX)));
  for (const file of files) {
    const index = /^(\d{20})(\.index|\.timeindex)$/.exec(file);
    const orphanIndex = index !== null && !logFiles.has(`${index[1]}${LOG_FILE_SUFFIX}`);
    if (orphanIndex || file.endsWith(ATOMIC_TEMPORARY_SUFFIX)) rmSync(join(directory, file), { force: true });
  }
  return baseOffsets.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Where validation starts: the segment index, and the position and offset in it. */
interface ScanStart {
  readonly index: number;
  readonly position: number;
  readonly offset: bigint;
}

function scanStart(segments: readonly LogSegment[], recoveryPoint: RecoveryPoint | undefined): ScanStart {
  const start = { index: 0, position: 0, offset: segments[0].baseOffset };
  if (recoveryPoint === undefined) return start;
  const index = segments.findIndex((segment) => segment.baseOffset === recoveryPoint.segmentBaseOffset);
  const segment = segments[index];
  if (segment === undefined) return start;
  if (!segment.indexesLoaded || segment.size < recoveryPoint.position) {
    return { index, position: 0, offset: segment.baseOffset };
  }
  // The batches just before the recovery point are re-checked too (from the last index entry), so damage to the end
  // of a cleanly closed log is still found.
  const tail = segment.offsetIndex.lastEntryAtOrBefore(recoveryPoint.position);
  const tailOffset = segment.baseOffset + BigInt(tail.relativeOffset);
  return segment.verify(tail.position, tailOffset, recoveryPoint.position) === recoveryPoint.offset
    ? { index, position: recoveryPoint.position, offset: recoveryPoint.offset }
    : { index, position: tail.position, offset: tailOffset };
}

/**
 * Segments wholly below the recovery point are trusted (their indexes only rebuilt if missing or damaged); from the
 * recovery point on, every batch is validated and the log is cut at the first torn or corrupt one, dropping any
 * later segment (removed from `segments` and deleted). Returns whether anything was scanned or repaired.
 */
export function recoverSegments(
  segments: LogSegment[],
  recoveryPoint: RecoveryPoint | undefined,
  directory: string,
  log: Logger,
): boolean {
  const start = scanStart(segments, recoveryPoint);
  let repaired = false;
  let keep = segments.length;
  for (let index = 0; index < segments.length; index++) {
    const segment = segments[index];
    const isLast = index === segments.length - 1;
    const expectedNextOffset = isLast ? undefined : segments[index + 1].baseOffset;
    if (index > 0 && segment.baseOffset !== segments[index - 1].nextOffset) {
      log.warn(
        { dir: directory, baseOffset: segment.baseOffset, expected: segments[index - 1].nextOffset },
        'segment does not continue the log; dropping it and the segments after it',
      );
      keep = index;
      break;
    }
    let truncated = false;
    if (index < start.index && segment.indexesLoaded && expectedNextOffset !== undefined) {
      segment.restoreFromIndexes(expectedNextOffset);
    } else {
      const trusted = index < start.index;
      const fromPosition = index === start.index ? start.position : 0;
      const fromOffset = index === start.index ? start.offset : segment.baseOffset;
      const scannedBytes = segment.size - fromPosition;
      const result = segment.recover(fromPosition, fromOffset, trusted ? 'structure' : 'full');
      if (result.truncatedBytes > 0) {
        log.warn(
          {
            dir: directory,
            baseOffset: segment.baseOffset,
            truncatedBytes: result.truncatedBytes,
            reason: result.reason,
          },
          'truncated torn batch',
        );
        truncated = true;
      }
      if (!segment.indexesLoaded) {
        log.warn({ dir: directory, baseOffset: segment.baseOffset }, 'rebuilt missing or corrupt index');
      }
      if (scannedBytes > 0 || !segment.indexesLoaded) {
        segment.writeIndexFiles();
        segment.flushSync();
        repaired = true;
      }
    }
    if (!isLast) segment.closeIndexFiles();
    if (truncated && !isLast) {
      keep = index + 1;
      break;
    }
  }
  for (const dropped of segments.splice(keep)) {
    log.warn({ dir: directory, baseOffset: dropped.baseOffset }, 'deleted segment after the end of the valid log');
    dropped.delete();
    repaired = true;
  }
  return repaired;
}

/**
 * Producer state = the checkpoint's snapshot (if any), trimmed to the log if the log lost its tail, then brought up
 * to date from the headers of the batches after the snapshot. Without a snapshot the whole log is read.
 */
export function replayProducerState(
  producers: ProducerStateTable,
  segments: readonly LogSegment[],
  checkpoint: PartitionCheckpoint | undefined,
  nowMs: number,
): void {
  const logStartOffset = segments[0].baseOffset;
  const logEndOffset = segments[segments.length - 1].nextOffset;
  let from = logStartOffset;
  if (checkpoint !== undefined && producers.decode(checkpoint.producerFrames)) {
    from = checkpoint.recoveryPoint.offset;
    if (from > logEndOffset) {
      producers.truncateFrom(logEndOffset);
      from = logEndOffset;
    }
    if (from < logStartOffset) from = logStartOffset;
  }
  for (const segment of segments) {
    if (segment.nextOffset <= from) continue;
    const position = from > segment.baseOffset ? (segment.locate(from) ?? 0) : 0;
    segment.forEachBatchHeader(position, (header) => {
      if (header.producerId < 0n || header.baseOffset < from) return;
      const claim = {
        producerId: header.producerId,
        producerEpoch: header.producerEpoch,
        baseSequence: header.baseSequence,
        lastSequence: batchLastSequence(header),
      };
      producers.record(claim, header.baseOffset, header.baseOffset + BigInt(header.lastOffsetDelta), nowMs);
    });
  }
}
