// A partition's checkpoint file, `partition.checkpoint`: the recovery point and a snapshot of the producer state taken
// at that same offset. It is replaced atomically, and only after everything below the recovery point (log data and
// index files) was synced: on a roll (recovery point = the new segment's start) and on a clean close (= the end of
// the log). Opening then trusts the segments below the recovery point and re-validates only what lies after it, the
// way Kafka's recovery-point checkpoint works; the producer snapshot is brought up to date from the batch headers
// after it. Frames (see framed-log.ts): the recovery point first, then one frame per producer.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic, writeFileAtomicSync } from './atomic-file.ts';
import { decodeFrames, encodeFrames } from './framed-log.ts';

export const CHECKPOINT_FILE = 'partition.checkpoint';
const FORMAT_VERSION = 1;
const RECOVERY_POINT_BYTES = 25;

export interface RecoveryPoint {
  /** Every batch below this offset is on disk, and so are the index entries for them. */
  offset: bigint;
  /** The segment holding `offset` and the byte position where its batch starts (or the segment's end). */
  segmentBaseOffset: bigint;
  position: number;
}

export interface PartitionCheckpoint {
  recoveryPoint: RecoveryPoint;
  producerFrames: Buffer[];
}

/** The checkpoint in `directory`, or undefined when there is none or it is unreadable (then recovery starts over). */
export function readPartitionCheckpoint(directory: string): PartitionCheckpoint | undefined {
  let contents: Buffer;
  try {
    contents = readFileSync(join(directory, CHECKPOINT_FILE));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const { records, validBytes } = decodeFrames(contents);
  const first = records[0];
  if (validBytes !== contents.length || first === undefined || first.length !== RECOVERY_POINT_BYTES) return undefined;
  if (first.readInt8(0) !== FORMAT_VERSION) return undefined;
  return {
    recoveryPoint: {
      offset: first.readBigInt64BE(1),
      segmentBaseOffset: first.readBigInt64BE(9),
      position: Number(first.readBigInt64BE(17)),
    },
    producerFrames: records.slice(1),
  };
}

export function writePartitionCheckpoint(directory: string, checkpoint: PartitionCheckpoint): Promise<void> {
  return writeFileAtomic(join(directory, CHECKPOINT_FILE), encodeCheckpoint(checkpoint));
}

export function writePartitionCheckpointSync(directory: string, checkpoint: PartitionCheckpoint): void {
  writeFileAtomicSync(join(directory, CHECKPOINT_FILE), encodeCheckpoint(checkpoint));
}

function encodeCheckpoint(checkpoint: PartitionCheckpoint): Buffer {
  const recoveryPoint = Buffer.alloc(RECOVERY_POINT_BYTES);
  recoveryPoint.writeInt8(FORMAT_VERSION, 0);
  recoveryPoint.writeBigInt64BE(checkpoint.recoveryPoint.offset, 1);
  recoveryPoint.writeBigInt64BE(checkpoint.recoveryPoint.segmentBaseOffset, 9);
  recoveryPoint.writeBigInt64BE(BigInt(checkpoint.recoveryPoint.position), 17);
  return encodeFrames([recoveryPoint, ...checkpoint.producerFrames]);
}
