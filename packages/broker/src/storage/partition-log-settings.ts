// A partition log's tunables: the options a caller passes (Kafka's topic-level names in the comments) and the
// defaults that fill in the rest.
import { fdatasync } from 'node:fs';
import type { Logger } from 'pino';
import type { FsyncPolicy } from '../broker-config.ts';
import type { Datasync } from './sync-queue.ts';

export interface PartitionLogOptions {
  fsync: FsyncPolicy;
  /** Roll to a new segment at this size (Kafka's segment.bytes). Default 64 MiB. */
  segmentBytes?: number;
  /** Roll to a new segment once the active one is this old (Kafka's segment.ms). Default 7 days. */
  segmentMs?: number;
  /** Delete segments whose newest batch is older than this; -1 keeps them forever. Default 7 days. */
  retentionMs?: number;
  /** Delete the oldest segments while the log is larger than this; -1 for no limit (the default). */
  retentionBytes?: number;
  /** Bytes of log between two index entries (Kafka's index.interval.bytes). Default 4 KiB. */
  indexIntervalBytes?: number;
  /** Forget idempotent producers idle this long (Kafka's producer.id.expiration.ms). Default 1 day. */
  producerIdExpirationMs?: number;
  /** How log data is synced; defaults to fs.fdatasync. Tests inject one to count or fail syncs. */
  datasync?: Datasync;
  log: Logger;
}

export interface PartitionLogSettings {
  fsync: FsyncPolicy;
  segmentBytes: number;
  segmentMs: number;
  retentionMs: number;
  retentionBytes: number;
  indexIntervalBytes: number;
  producerIdExpirationMs: number;
  datasync: Datasync;
  log: Logger;
}

export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
export const DEFAULT_SEGMENT_MS = 7 * 24 * 60 * 60 * 1000;
export const DEFAULT_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
const DEFAULT_INDEX_INTERVAL_BYTES = 4096;
const DEFAULT_PRODUCER_ID_EXPIRATION_MS = 24 * 60 * 60 * 1000;

export function partitionLogSettings(options: PartitionLogOptions): PartitionLogSettings {
  return {
    fsync: options.fsync,
    segmentBytes: options.segmentBytes ?? DEFAULT_SEGMENT_BYTES,
    segmentMs: options.segmentMs ?? DEFAULT_SEGMENT_MS,
    retentionMs: options.retentionMs ?? DEFAULT_RETENTION_MS,
    retentionBytes: options.retentionBytes ?? -1,
    indexIntervalBytes: options.indexIntervalBytes ?? DEFAULT_INDEX_INTERVAL_BYTES,
    producerIdExpirationMs: options.producerIdExpirationMs ?? DEFAULT_PRODUCER_ID_EXPIRATION_MS,
    datasync: options.datasync ?? fdatasyncPromise,
    log: options.log,
  };
}

function fdatasyncPromise(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fdatasync(fd, (error) => (error ? reject(error) : resolve())));
}
