import type { Logger } from 'pino';
import { type RetryPolicy, retryDelayMs, sleepUnlessAborted } from './backoff.ts';
import { type ConsumedRecord, type KafkaMessage, toConsumedRecord } from './consumed-record.ts';
import { deadLetterRecord, deadLetterTopic, errorCode } from './dead-letter.ts';
import { activeTracing, type TracedSpan } from '../telemetry/tracing.ts';
import type { EventProducer } from './event-producer.ts';
import type { ConsumerMetrics } from './kafka-metrics.ts';
import type { OffsetCommitter } from './offset-committer.ts';
import type { PartitionFlow, PartitionQueue } from './partition-flow.ts';
import { PoisonEventError } from './poison-event-error.ts';

export interface HandlerContext {
  /**
   * The runner's logger bound to topic, partition, offset and the record's traceId. Binding a logger costs
   * microseconds, so it is made on first access: a handler on a hot path reads it only when it writes a line.
   */
  readonly log: Logger;
  /** 1 on the first call for a record, then 2, 3, … on retries. */
  readonly attempt: number;
  /** Aborted when shutdown gives up waiting for this call; the record is then left uncommitted for redelivery. */
  readonly signal: AbortSignal;
}

/**
 * Processes one record. Throwing retries it with backoff; throwing PoisonEventError, an error whose `retriable` is
 * false, or one whose `code` is listed in `poisonCodes` sends it to the dead-letter topic at once. An error whose
 * `retriable` is true (STORE_UNAVAILABLE, KAFKA_PUBLISH_FAILED: a dependency is down) is an outage: the record is
 * retried until it passes, however long that takes, and those failures use none of the retry budget, so an outage
 * never dead-letters valid records. The budget (`retry.maxAttempts`) bounds the other failures.
 */
export type RecordHandler = (record: ConsumedRecord, context: HandlerContext) => Promise<void>;

export interface BatchContext {
  /** The runner's logger bound to topic and partition. */
  readonly log: Logger;
  /** A logger bound to one record's offset and traceId as well, like HandlerContext's; made on every call. */
  logFor(record: ConsumedRecord): Logger;
  /** Aborted when shutdown gives up waiting for this call; the batch is then left uncommitted for redelivery. */
  readonly signal: AbortSignal;
}

/**
 * Processes consecutive records of one partition, in offset order, in one go (one store round trip, one produce
 * request). Resolving means every record is done: the offset after the last one is committed. Throwing hands each
 * record of the batch to the per-record handler, one by one with its retries and dead-lettering, so one poison record
 * neither blocks nor dead-letters its neighbours: whatever the batch did before failing must therefore be safe to do
 * again, as redelivery already requires.
 */
export type BatchHandler = (records: readonly ConsumedRecord[], context: BatchContext) => Promise<void>;

/** What the runner keeps per assigned partition. */
export interface PartitionContext {
  /** Bound to topic and partition, made once per assignment rather than once per record. */
  readonly log: Logger;
  readonly labels: { readonly topic: string; readonly group: string };
}

export type ConsumerFlow = PartitionFlow<KafkaMessage, PartitionContext>;
export type ConsumerQueue = PartitionQueue<PartitionContext>;

export interface RecordProcessorOptions {
  readonly groupId: string;
  readonly handler: RecordHandler;
  readonly handleBatch: BatchHandler | undefined;
  readonly maxBatchSize: number;
  readonly retry: RetryPolicy;
  readonly poisonCodes: ReadonlySet<string>;
  readonly metrics: ConsumerMetrics | undefined;
  readonly flow: ConsumerFlow;
  readonly committer: Pick<OffsetCommitter, 'mark'>;
  /** The dead-letter producer, made on the first dead letter when the runner was given none. */
  readonly deadLetterProducer: () => EventProducer;
  /** Aborted when stop() begins: no new record is started, backoffs end, failures are left for redelivery. */
  readonly stopSignal: AbortSignal;
  /** Aborted when shutdown gives up waiting on handlers; handed to them as their `signal`. */
  readonly handlerSignal: AbortSignal;
}

export interface RecordProcessor {
  /**
   * The worker of one partition: hands its queued records to the handlers in offset order and marks each offset done
   * once its record was handled or dead-lettered, until the queue is empty, the partition is revoked or stop() began.
   */
  runPartition(queue: ConsumerQueue): Promise<void>;
}

export function createRecordProcessor(options: RecordProcessorOptions): RecordProcessor {
  const { groupId, handler, handleBatch, maxBatchSize, retry: policy, poisonCodes, metrics, flow, committer } = options;
  const { stopSignal, handlerSignal } = options;

  /** The `process <topic>` span of each record in hand, when traces are exported. */
  const recordSpans = new WeakMap<ConsumedRecord, TracedSpan>();
  /** The record as handlers see it; with traces exported, its span starts here and closeRecord ends it. */
  function openRecord(message: KafkaMessage): ConsumedRecord {
    const tracing = activeTracing();
    if (tracing === undefined) return toConsumedRecord(message);
    const span = tracing.consumerSpan({
      topic: message.topic,
      groupId,
      partition: message.partition,
      offset: message.offset,
      key: message.key ?? undefined,
      parent: message.headers.get('traceparent') ?? undefined,
    });
    const record = toConsumedRecord(message, span.traceparent);
    recordSpans.set(record, span);
    return record;
  }
  function closeRecord(record: ConsumedRecord): void {
    recordSpans.get(record)?.end();
    recordSpans.delete(record);
  }

  function markDone(queue: ConsumerQueue, message: KafkaMessage): void {
    if (flow.isCurrent(queue)) {
      committer.mark({
        topic: message.topic,
        partition: message.partition,
        offset: message.offset + 1n,
        leaderEpoch: message.leaderEpoch,
      });
    }
  }

  async function runPartition(queue: ConsumerQueue): Promise<void> {
    // Started from the first record of a delivery: wait for the rest of it, so the first batch holds all of it.
    await Promise.resolve();
    try {
      while (!stopSignal.aborted && flow.isCurrent(queue)) {
        const messages = flow.take(queue, handleBatch ? maxBatchSize : 1);
        if (messages.length === 0) {
          break;
        }
        if (handleBatch) {
          if (!(await processBatch(queue, handleBatch, messages))) {
            break;
          }
          continue;
        }
        const message = messages[0] as KafkaMessage;
        const record = openRecord(message);
        const done = await processRecord(queue, message, record).finally(() => closeRecord(record));
        if (!done) {
          break;
        }
        markDone(queue, message);
      }
    } catch (error) {
      // The process functions catch handler and publish errors; reaching here is a bug, and the partition must not go
      // quiet.
      queue.context.log.error({ err: error }, 'kafka partition worker crashed');
    } finally {
      flow.workerStopped(queue);
    }
  }

  /**
   * Hands `messages` to the batch handler and marks the last one done, or, when the batch fails, handles them one by
   * one, marking each. Resolves false when shutdown or a revocation left some of them unhandled.
   */
  async function processBatch(
    queue: ConsumerQueue,
    batchHandler: BatchHandler,
    messages: KafkaMessage[],
  ): Promise<boolean> {
    // Made once: a record without a valid traceparent gets a new trace, which the fallback must not make anew.
    const records = messages.map(openRecord);
    try {
      return await handleBatchOf(queue, batchHandler, messages, records);
    } finally {
      for (const record of records) closeRecord(record);
    }
  }

  async function handleBatchOf(
    queue: ConsumerQueue,
    batchHandler: BatchHandler,
    messages: KafkaMessage[],
    records: ConsumedRecord[],
  ): Promise<boolean> {
    const { log, labels } = queue.context;
    const startedAt = performance.now();
    try {
      await batchHandler(records, {
        log,
        logFor: (record) => recordLogger(log, record),
        signal: handlerSignal,
      });
      metrics?.eventsConsumed.inc(labels, records.length);
      if (log.isLevelEnabled('debug')) {
        log.debug(
          { ...batchSpan(records), durationMs: Math.round(performance.now() - startedAt) },
          'kafka batch handled',
        );
      }
      markDone(queue, messages[messages.length - 1] as KafkaMessage);
      return true;
    } catch (error) {
      if (stopSignal.aborted) {
        log.warn(
          { err: error, ...batchSpan(records) },
          'kafka batch handler failed during shutdown, left for redelivery',
        );
        return false;
      }
      log.warn({ err: error, ...batchSpan(records) }, 'kafka batch handler failed, handling its records one by one');
    }
    for (let index = 0; index < messages.length; index++) {
      if (stopSignal.aborted || !flow.isCurrent(queue)) {
        return false;
      }
      const message = messages[index] as KafkaMessage;
      if (!(await processRecord(queue, message, records[index] as ConsumedRecord))) {
        return false;
      }
      markDone(queue, message);
    }
    return true;
  }

  /** Resolves true when the record is done with (handled or dead-lettered), false when shutdown abandoned it. */
  async function processRecord(queue: ConsumerQueue, message: KafkaMessage, record: ConsumedRecord): Promise<boolean> {
    const { log, labels } = queue.context;
    let bound: Logger | undefined;
    const recordLog = (): Logger => {
      bound ??= recordLogger(log, record);
      return bound;
    };
    // Failures that count against the budget: outages (retriable errors) do not.
    let budgetUsed = 0;
    for (let attempt = 1; ; attempt++) {
      const startedAt = performance.now();
      try {
        await handler(record, {
          get log() {
            return recordLog();
          },
          attempt,
          signal: handlerSignal,
        });
        metrics?.eventsConsumed.inc(labels);
        if (log.isLevelEnabled('debug')) {
          recordLog().debug({ attempt, durationMs: Math.round(performance.now() - startedAt) }, 'kafka event handled');
        }
        return true;
      } catch (error) {
        const poison = isPoison(error, poisonCodes);
        if (!poison && !isOutage(error)) {
          budgetUsed += 1;
        }
        if (poison || budgetUsed >= policy.maxAttempts) {
          return deadLetter(queue, message, record, attempt, error, recordLog());
        }
        if (stopSignal.aborted) {
          recordLog().warn({ err: error, attempt }, 'kafka event handler failed during shutdown, left for redelivery');
          return false;
        }
        const delayMs = retryDelayMs(attempt, policy);
        metrics?.eventsRetried.inc(labels);
        recordLog().warn({ err: error, attempt, retryInMs: delayMs }, 'kafka event handler failed, will retry');
        if (!(await sleepUnlessAborted(delayMs, stopSignal))) {
          return false;
        }
      }
    }
  }

  async function deadLetter(
    queue: ConsumerQueue,
    message: KafkaMessage,
    record: ConsumedRecord,
    attempts: number,
    error: unknown,
    recordLog: Logger,
  ): Promise<boolean> {
    const topic = deadLetterTopic(record.topic, groupId);
    const code = errorCode(error);
    recordSpans.get(record)?.fail(error);
    const letter = deadLetterRecord(message, { groupId, traceparent: record.traceparent, attempts, error });
    const producer = options.deadLetterProducer();
    for (let failures = 1; ; failures++) {
      try {
        await producer.publish(topic, letter);
        metrics?.eventsDeadLettered.inc({ ...queue.context.labels, code });
        recordLog.warn({ err: error, attempts, errorCode: code, deadLetterTopic: topic }, 'kafka event dead-lettered');
        return true;
      } catch (publishError) {
        // Committing without a dead letter would lose the record: keep trying until it lands or shutdown.
        recordLog.error({ err: publishError, deadLetterTopic: topic }, 'kafka dead-letter publish failed, will retry');
        if (!(await sleepUnlessAborted(retryDelayMs(failures, policy), stopSignal))) {
          return false;
        }
      }
    }
  }

  return Object.freeze({ runPartition });
}

function recordLogger(partitionLog: Logger, record: ConsumedRecord): Logger {
  return partitionLog.child({ offset: String(record.offset), traceId: record.traceId });
}

function batchSpan(records: readonly ConsumedRecord[]): { records: number; firstOffset: string; lastOffset: string } {
  return {
    records: records.length,
    firstOffset: String(records[0]?.offset),
    lastOffset: String(records[records.length - 1]?.offset),
  };
}

function isPoison(error: unknown, poisonCodes: ReadonlySet<string>): boolean {
  if (error instanceof PoisonEventError) {
    return true;
  }
  const candidate = error as { retriable?: unknown; code?: unknown } | null;
  if (candidate?.retriable === false) {
    return true;
  }
  return typeof candidate?.code === 'string' && poisonCodes.has(candidate.code);
}

function isOutage(error: unknown): boolean {
  return (error as { retriable?: unknown } | null)?.retriable === true;
}
