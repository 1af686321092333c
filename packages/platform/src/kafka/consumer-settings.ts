import type { Logger } from 'pino';
import { type RetryPolicy, resolveRetryPolicy } from './backoff.ts';
import type { BrokerCompatibility } from './broker-compatibility.ts';
import type { EventProducer } from './event-producer.ts';
import type { KafkaConnection } from './kafka-connection.ts';
import { PlatformErrors } from '../errors.ts';
import type { ConsumerMetrics } from './kafka-metrics.ts';
import type { BatchHandler, RecordHandler } from './record-processor.ts';

export interface ConsumerRunnerOptions {
  readonly connection: KafkaConnection;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly handler: RecordHandler;
  /**
   * Optional: handles the records queued for a partition together, up to `maxBatchSize`, instead of calling `handler`
   * for each; `handler` remains the fallback for a batch that fails. Metrics still count records: a batch adds its
   * size to the consumed counter, and the per-record fallback counts retries and dead letters as usual (the batch
   * failure itself is not counted as a retry).
   */
  readonly handleBatch?: BatchHandler;
  /** Most records in one handleBatch call. Default 500. */
  readonly maxBatchSize?: number;
  readonly log: Logger;
  readonly metrics?: ConsumerMetrics;
  /**
   * Defaults to the shared budget, defaultRetryPolicy (maxAttempts 1000, the first call included; initialDelayMs 100;
   * maxDelayMs 5000). Services leave it unset; tests shorten it.
   */
  readonly retry?: Partial<RetryPolicy>;
  /** Where dead letters are published; `auto` (default) creates a producer from `connection`, closed by stop(). */
  readonly deadLetter?: EventProducer | 'auto';
  /** Error codes the handler throws for records that can never succeed: dead-lettered without retrying. */
  readonly poisonCodes?: readonly string[];
  /** Default 30 000 ms. */
  readonly sessionTimeoutMs?: number;
  /** Default 3 000 ms. */
  readonly heartbeatIntervalMs?: number;
  /** How long a fetch may wait on the broker for new records; also bounds how long stop() waits for a fetch. */
  readonly maxWaitMs?: number;
  /**
   * Records fetched but not yet handled, across partitions, above which fetching pauses; it resumes below half of it,
   * or below it while a partition has nothing queued. Records of a fetch already made are queued all the same (one
   * fetch brings at most 1 MiB per partition), so that every partition gets its share. Default 1000.
   */
  readonly maxBufferedRecords?: number;
  /** How often the lag gauge is refreshed when metrics are given. Default 10 000 ms. */
  readonly lagIntervalMs?: number;
  /** stop() resolves within this time whatever the handlers or the broker do. Default 10 000 ms. */
  readonly shutdownTimeoutMs?: number;
  /**
   * Checks the broker's API versions before the stream opens and before every reopen; give the service's own so its
   * readiness reports KAFKA_BROKER_UNSUPPORTED. Default: one of the runner's own.
   */
  readonly brokerCompatibility?: BrokerCompatibility;
}

/** The options checked, with every default filled in. */
export interface ConsumerSettings {
  readonly groupId: string;
  readonly topics: string[];
  readonly handler: RecordHandler;
  readonly handleBatch: BatchHandler | undefined;
  readonly maxBatchSize: number;
  readonly retry: RetryPolicy;
  readonly poisonCodes: ReadonlySet<string>;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly maxWaitMs: number;
  readonly maxBufferedRecords: number;
  readonly lagIntervalMs: number;
  readonly shutdownTimeoutMs: number;
}

const DEFAULT_MAX_BATCH_SIZE = 500;

/** Throws KAFKA_CONFIG_INVALID for the first option that cannot work, before anything connects. */
export function resolveConsumerSettings(options: ConsumerRunnerOptions): ConsumerSettings {
  const { groupId, handler, handleBatch } = options;
  const topics = [...options.topics];
  if (typeof groupId !== 'string' || groupId === '') {
    throw PlatformErrors.create('KAFKA_CONFIG_INVALID', 'groupId must be a non-empty string');
  }
  if (topics.length === 0 || topics.some((topic) => typeof topic !== 'string' || topic === '')) {
    throw PlatformErrors.create('KAFKA_CONFIG_INVALID', 'topics must list at least one topic name');
  }
  if (typeof handler !== 'function') {
    throw PlatformErrors.create('KAFKA_CONFIG_INVALID', 'handler must be a function');
  }
  if (handleBatch !== undefined && typeof handleBatch !== 'function') {
    throw PlatformErrors.create('KAFKA_CONFIG_INVALID', 'handleBatch must be a function when given');
  }
  const maxBatchSize = options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE;
  if (!Number.isInteger(maxBatchSize) || maxBatchSize < 1) {
    throw PlatformErrors.create('KAFKA_CONFIG_INVALID', `maxBatchSize must be an integer >= 1, got ${maxBatchSize}`);
  }
  return {
    groupId,
    topics,
    handler,
    handleBatch,
    maxBatchSize,
    retry: resolveRetryPolicy(options.retry),
    poisonCodes: new Set(options.poisonCodes ?? []),
    sessionTimeoutMs: options.sessionTimeoutMs ?? options.connection.sessionTimeoutMs ?? 30_000,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 3000,
    maxWaitMs: options.maxWaitMs ?? 500,
    maxBufferedRecords: options.maxBufferedRecords ?? 1000,
    lagIntervalMs: options.lagIntervalMs ?? 10_000,
    shutdownTimeoutMs: options.shutdownTimeoutMs ?? 10_000,
  };
}
