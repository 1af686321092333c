// The storage facade the network layer uses: every topic's partitions under one data directory, laid out like Kafka's
// (`<dataDir>/<topic>-<partition>/`), the topic metadata (topic-store.ts) and producer id allocation. Topic
// operations return Kafka error codes; only an unusable data directory throws (StorageError).

import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { FsyncPolicy } from '../broker-config.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { DELETED_DIRECTORY_SUFFIX, PartitionLog } from './partition-log.ts';
import { ProducerIdAllocator } from './producer-id-allocator.ts';
import type { Datasync } from './sync-queue.ts';
import { type PartitionLogLimits, partitionLogLimits, topicConfigProblem } from './topic-config.ts';
import { topicNameProblem, topicNamesCollide } from './topic-name.ts';
import { type TopicRecord, TopicStore } from './topic-store.ts';

export interface TopicInfo {
  readonly name: string;
  readonly topicId: string;
  readonly partitions: number;
  readonly configs: Readonly<Record<string, string>>;
}

export interface LogManagerOptions {
  dataDir: string;
  fsync: FsyncPolicy;
  /** Partitions of a topic created with -1 partitions (CreateTopics v4+, KIP-464) or auto-created by the caller. */
  defaultPartitions: number;
  segmentBytes?: number;
  segmentMs?: number;
  retentionMs?: number;
  retentionBytes?: number;
  indexIntervalBytes?: number;
  /** How log data is synced; defaults to fs.fdatasync. */
  datasync?: Datasync;
  log: Logger;
}

export interface TopicOperationResult {
  errorCode: number;
  errorMessage?: string;
}

export interface CreateTopicResult extends TopicOperationResult {
  topic?: TopicInfo;
}

/** A topic's partition count is bounded so one request cannot exhaust file descriptors (three per partition). */
export const MAX_PARTITIONS_PER_TOPIC = 10_000;
/** CreateTopics' num_partitions of -1 asks for the broker default (KIP-464). */
const DEFAULT_PARTITIONS_REQUEST = -1;

interface Topic {
  info: TopicInfo;
  record: TopicRecord;
  partitions: PartitionLog[];
}

export class LogManager {
  readonly #options: LogManagerOptions;
  readonly #log: Logger;
  readonly #store: TopicStore;
  readonly #producerIds: ProducerIdAllocator;
  readonly #topics = new Map<string, Topic>();
  readonly #topicsById = new Map<string, Topic>();
  readonly #deletions = new Set<Promise<void>>();
  #closing: Promise<void> | undefined;

  private constructor(options: LogManagerOptions, store: TopicStore, producerIds: ProducerIdAllocator) {
    this.#options = options;
    this.#log = options.log;
    this.#store = store;
    this.#producerIds = producerIds;
  }

  static open(options: LogManagerOptions): LogManager {
    mkdirSync(options.dataDir, { recursive: true });
    removeDeletedPartitionDirectories(options.dataDir, options.log);
    const manager = new LogManager(
      options,
      TopicStore.open(options.dataDir),
      ProducerIdAllocator.open(options.dataDir),
    );
    for (const record of manager.#store.list()) {
      const partitions: PartitionLog[] = [];
      for (let index = 0; index < record.partitions; index++) partitions.push(manager.#openPartition(record, index));
      manager.#index({ info: topicInfo(record), record, partitions });
    }
    options.log.info({ dataDir: options.dataDir, topics: manager.#topics.size }, 'log manager opened');
    return manager;
  }

  listTopics(): TopicInfo[] {
    return [...this.#topics.values()].map((topic) => topic.info);
  }

  getTopic(name: string): TopicInfo | undefined {
    return this.#topics.get(name)?.info;
  }

  getTopicById(topicId: string): TopicInfo | undefined {
    return this.#topicsById.get(topicId)?.info;
  }

  partition(topicName: string, index: number): PartitionLog | undefined {
    return this.#topics.get(topicName)?.partitions[index];
  }

  /**
   * Checks a topic creation without performing it (CreateTopics validate_only): name, existence, partition count
   * (-1 for the default) and configs.
   */
  validateNewTopic(
    name: string,
    partitions: number,
    configs: Readonly<Record<string, string>> = {},
  ): TopicOperationResult {
    const nameProblem = topicNameProblem(name);
    if (nameProblem !== undefined) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: nameProblem };
    if (this.#topics.has(name)) {
      return { errorCode: ErrorCode.TOPIC_ALREADY_EXISTS, errorMessage: `topic '${name}' already exists` };
    }
    const collision = [...this.#topics.keys()].find((existing) => topicNamesCollide(existing, name));
    if (collision !== undefined) {
      return {
        errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION,
        errorMessage: `topic '${name}' collides with existing topic '${collision}' ('.' and '_' are interchangeable)`,
      };
    }
    const count = this.#resolvePartitionCount(partitions);
    if (count === undefined) {
      return {
        errorCode: ErrorCode.INVALID_PARTITIONS,
        errorMessage: `number of partitions must be between 1 and ${MAX_PARTITIONS_PER_TOPIC}, not ${partitions}`,
      };
    }
    const configProblem = topicConfigProblem(configs);
    if (configProblem !== undefined) return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: configProblem };
    return { errorCode: ErrorCode.NONE };
  }

  createTopic(name: string, partitions: number, configs: Record<string, string> = {}): CreateTopicResult {
    const invalid = this.validateNewTopic(name, partitions, configs);
    if (invalid.errorCode !== ErrorCode.NONE) return invalid;
    const record: TopicRecord = {
      name,
      topicId: randomUUID(),
      partitions: this.#resolvePartitionCount(partitions) as number,
      configs: { ...configs },
      createdAt: new Date().toISOString(),
    };
    try {
      // A directory of that name can only be a leftover (the topic is not in topics.json): its data is not this
      // topic's, so it must not be served under the new topic id.
      for (let index = 0; index < record.partitions; index++) this.#removeStalePartitionDirectory(name, index);
      this.#store.put(record);
    } catch (error) {
      return this.#storageFailure(error, `topic '${name}' could not be created`);
    }
    const stored = this.#store.get(name) ?? record;
    const partitionLogs: PartitionLog[] = [];
    for (let index = 0; index < stored.partitions; index++) partitionLogs.push(this.#openPartition(stored, index));
    const topic: Topic = { info: topicInfo(stored), record: stored, partitions: partitionLogs };
    this.#index(topic);
    this.#log.info({ topic: name, topicId: stored.topicId, partitions: stored.partitions }, 'topic created');
    return { errorCode: ErrorCode.NONE, topic: topic.info };
  }

  /**
   * Deletes a topic: its partition directories are renamed away at once and removed in the background, then the
   * topic leaves topics.json. A crash in between leaves the topic with empty partitions, never with stale data.
   */
  deleteTopic(name: string): number {
    const topic = this.#topics.get(name);
    if (topic === undefined) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    try {
      for (const partition of topic.partitions) this.#trackDeletion(partition.deleteFiles(), name);
      this.#store.remove(name);
    } catch (error) {
      return this.#storageFailure(error, `topic '${name}' could not be deleted`).errorCode;
    }
    this.#topics.delete(name);
    this.#topicsById.delete(topic.info.topicId);
    this.#log.info({ topic: name, topicId: topic.info.topicId }, 'topic deleted');
    return ErrorCode.NONE;
  }

  /** Grows a topic to `totalCount` partitions (CreatePartitions); partitions can never be removed. */
  createPartitions(name: string, totalCount: number): TopicOperationResult {
    const topic = this.#topics.get(name);
    if (topic === undefined) {
      return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `topic '${name}' does not exist` };
    }
    const current = topic.partitions.length;
    if (!Number.isInteger(totalCount) || totalCount <= current || totalCount > MAX_PARTITIONS_PER_TOPIC) {
      return {
        errorCode: ErrorCode.INVALID_PARTITIONS,
        errorMessage: `topic '${name}' has ${current} partitions; the new count must be above that and at most ${MAX_PARTITIONS_PER_TOPIC}, not ${totalCount}`,
      };
    }
    const record: TopicRecord = { ...topic.record, partitions: totalCount };
    try {
      for (let index = current; index < totalCount; index++) this.#removeStalePartitionDirectory(name, index);
      this.#store.put(record);
    } catch (error) {
      return this.#storageFailure(error, `partitions of topic '${name}' could not be created`);
    }
    const stored = this.#store.get(name) ?? record;
    for (let index = current; index < totalCount; index++) topic.partitions.push(this.#openPartition(stored, index));
    topic.record = stored;
    topic.info = topicInfo(stored);
    this.#log.info({ topic: name, from: current, to: totalCount }, 'partitions created');
    return { errorCode: ErrorCode.NONE };
  }

  /** A producer id never handed out before, by this broker or any earlier run on this data directory. */
  allocateProducerId(): bigint {
    return this.#producerIds.allocate();
  }

  /** Applies every partition's retention (see PartitionLog.applyRetention); the broker calls this periodically. */
  applyRetention(nowMs: number): void {
    for (const topic of this.#topics.values()) {
      for (const partition of topic.partitions) partition.applyRetention(nowMs);
    }
  }

  /** Flushes and closes every partition and waits for pending topic deletions. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const closing = [...this.#topics.values()].flatMap((topic) =>
        topic.partitions.map((partition) => partition.close()),
      );
      const results = await Promise.allSettled([...closing, ...this.#deletions]);
      const failed = results.find((result) => result.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    })();
    return this.#closing;
  }

  #index(topic: Topic): void {
    this.#topics.set(topic.info.name, topic);
    this.#topicsById.set(topic.info.topicId, topic);
  }

  #resolvePartitionCount(partitions: number): number | undefined {
    const count = partitions === DEFAULT_PARTITIONS_REQUEST ? this.#options.defaultPartitions : partitions;
    return Number.isInteger(count) && count >= 1 && count <= MAX_PARTITIONS_PER_TOPIC ? count : undefined;
  }

  #partitionDirectory(topicName: string, index: number): string {
    return join(this.#options.dataDir, `${topicName}-${index}`);
  }

  #openPartition(record: TopicRecord, index: number): PartitionLog {
    const defaults: PartitionLogLimits = {
      segmentBytes: this.#options.segmentBytes,
      segmentMs: this.#options.segmentMs,
      retentionMs: this.#options.retentionMs,
      retentionBytes: this.#options.retentionBytes,
    };
    return PartitionLog.open(this.#partitionDirectory(record.name, index), {
      ...partitionLogLimits(record.configs, defaults),
      fsync: this.#options.fsync,
      indexIntervalBytes: this.#options.indexIntervalBytes,
      datasync: this.#options.datasync,
      log: this.#log.child({ topic: record.name, partition: index }),
    });
  }

  #removeStalePartitionDirectory(topicName: string, index: number): void {
    const directory = this.#partitionDirectory(topicName, index);
    if (!isDirectory(directory)) return;
    this.#log.warn({ dir: directory }, 'removing a partition directory left behind by an earlier topic');
    rmSync(directory, { recursive: true, force: true });
  }

  #trackDeletion(deletion: Promise<void>, topicName: string): void {
    const tracked = deletion
      .catch((error: unknown) => this.#log.error({ err: error, topic: topicName }, 'deleting partition files failed'))
      .finally(() => this.#deletions.delete(tracked));
    this.#deletions.add(tracked);
  }

  #storageFailure(error: unknown, message: string): TopicOperationResult {
    this.#log.error({ err: error }, message);
    return { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, errorMessage: message };
  }
}

function topicInfo(record: TopicRecord): TopicInfo {
  return Object.freeze({
    name: record.name,
    topicId: record.topicId,
    partitions: record.partitions,
    configs: record.configs,
  });
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** Finishes deletions a crash interrupted: partition directories renamed to `…-delete` are removed. */
function removeDeletedPartitionDirectories(dataDir: string, log: Logger): void {
  for (const entry of readdirSync(dataDir, { withFileTypes: true })) {
    if (!entry.isDirectory() || !entry.name.endsWith(DELETED_DIRECTORY_SUFFIX)) continue;
    log.info({ dir: entry.name }, 'removing partition directory of a deleted topic');
    rmSync(join(dataDir, entry.name), { recursive: true, force: true });
  }
}
