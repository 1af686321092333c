import { Consumer, type GroupAssignment, type MessagesStream, stringDeserializer } from '@platformatic/kafka';
import type { Logger } from 'pino';
import { type RetryPolicy, resolveRetryPolicy, retryDelayMs, sleepUnlessAborted } from './backoff.ts';
import { apiVersionsOf, type BrokerCompatibility, createBrokerCompatibility } from './broker-compatibility.ts';
import { type ConsumedRecord, type KafkaMessage, toConsumedRecord } from './consumed-record.ts';
import { deadLetterRecord, deadLetterTopic, errorCode } from './dead-letter.ts';
import { activeTracing, type TracedSpan } from '../telemetry/tracing.ts';
import { createEventProducer, type EventProducer } from './event-producer.ts';
import { clientOptions, type KafkaConnection } from './kafka-connection.ts';
import { PlatformErrors } from '../errors.ts';
import type { ConsumerMetrics } from './kafka-metrics.ts';
import { createOffsetCommitter } from './offset-committer.ts';
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

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export interface PartitionLag extends TopicPartition {
  /** High watermark minus the group's committed offset. */
  readonly lag: number;
}

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

export interface ConsumerRunner {
  /** True while this member is in the group with its assignment (possibly empty: more members than partitions). */
  isAssigned(): boolean;
  assignments(): TopicPartition[];
  /** Reads the high watermarks, updates the lag gauge and returns the lag of every partition assigned here. */
  refreshLag(): Promise<PartitionLag[]>;
  /**
   * Stops fetching, lets in-flight handler calls finish (queued records are left for redelivery), commits, leaves
   * the group and closes the dead-letter producer it created.
   */
  stop(): Promise<void>;
}

interface PartitionState {
  readonly key: string;
  /** Bound to topic and partition, made once per assignment rather than once per record. */
  readonly log: Logger;
  readonly labels: { readonly topic: string; readonly group: string };
  /** Replaced rather than emptied when a batch takes all of it, so taking a whole queue copies nothing. */
  queue: KafkaMessage[];
  /** Offset after the last record queued; a refetch after a rebalance redelivers what is below it. */
  nextOffset: bigint;
  active: boolean;
}

// What shutdown keeps for committing and leaving the group after waiting on handlers.
const CLOSE_RESERVE_MS = 2000;
// Kafka's own default (max.partition.fetch.bytes): bounds what one fetch adds to the buffer for each partition.
const FETCH_BYTES_PER_PARTITION = 1024 * 1024;
const DEFAULT_MAX_BATCH_SIZE = 500;
const STREAM_RESTART_POLICY: RetryPolicy = {
  maxAttempts: Number.POSITIVE_INFINITY,
  initialDelayMs: 500,
  maxDelayMs: 10_000,
};

/**
 * Joins `groupId` and consumes `topics` from the group's committed offsets (the earliest offset for a partition the
 * group never committed), handing each record to `handler` one at a time per partition (or the queued records of a
 * partition to `handleBatch` together), in offset order, with partitions processed concurrently. An offset is
 * committed only after its record was handled or dead-lettered. Resolves once the group is joined and the stream is
 * open.
 */
export async function startConsumer(options: ConsumerRunnerOptions): Promise<ConsumerRunner> {
  const { connection, groupId, handler, handleBatch } = options;
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
  const policy = resolveRetryPolicy(options.retry);
  const poisonCodes = new Set(options.poisonCodes ?? []);
  const sessionTimeout = options.sessionTimeoutMs ?? options.connection.sessionTimeoutMs ?? 30_000;
  const heartbeatInterval = options.heartbeatIntervalMs ?? 3000;
  const maxBuffered = options.maxBufferedRecords ?? 1000;
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 10_000;
  const metrics = options.metrics;
  const log = options.log.child({ groupId });
  const compatibility = options.brokerCompatibility ?? createBrokerCompatibility({ log });

  const consumer = new Consumer<Buffer, Buffer, string, Buffer>({
    ...clientOptions(connection),
    groupId,
    autocommit: false,
    sessionTimeout,
    heartbeatInterval,
    rebalanceTimeout: Math.max(sessionTimeout, 60_000),
    maxWaitTime: options.maxWaitMs ?? 500,
    maxBytesPerPartition: FETCH_BYTES_PER_PARTITION,
    highWaterMark: Math.min(maxBuffered, 1024),
    // Services start before anything was published: let the broker create the topics rather than fail the join.
    autocreateTopics: true,
    deserializers: { headerKey: stringDeserializer },
  });

  const partitions = new Map<string, PartitionState>();
  let owned = new Set<string>();
  const workers = new Set<Promise<void>>();
  const stopAbort = new AbortController();
  const handlerAbort = new AbortController();
  let stream: MessagesStream<Buffer, Buffer, string, Buffer> | undefined;
  let streamPaused = false;
  let pauseScheduled = false;
  let buffered = 0;
  /** Partitions with at least one record queued. */
  let queuedPartitions = 0;
  let stopping: Promise<void> | undefined;
  let restarting = false;
  let lagTimer: NodeJS.Timeout | undefined;
  let deadLetterProducer: EventProducer | undefined = options.deadLetter === 'auto' ? undefined : options.deadLetter;
  const ownsDeadLetterProducer = deadLetterProducer === undefined;

  const owns = (topic: string, partition: number): boolean => owned.has(`${topic}:${partition}`);

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

  const committer = createOffsetCommitter({ consumer, log, owns });

  function onGroupJoin(payload: { generationId?: number; assignments?: GroupAssignment[] }): void {
    owned = keysOf(payload.assignments ?? consumer.assignments ?? []);
    for (const [key, state] of partitions) {
      if (!owned.has(key)) {
        // Revoked: its new owner resumes from the committed offset; an in-flight record here finishes uncommitted.
        clearQueue(state);
        partitions.delete(key);
      }
    }
    resumeIfDrained();
    log.info({ generationId: payload.generationId, assignments: [...owned] }, 'kafka consumer group joined');
  }
  consumer.on('consumer:group:join', onGroupJoin);

  function resumeIfDrained(): void {
    if (!streamPaused || stopping) {
      return;
    }
    // A fetch covers every assigned partition, so a partition that ran dry while others still hold records only gets
    // more by fetching for all of them; the buffer stays bounded by the limit plus one fetch.
    if (buffered <= maxBuffered / 2 || (buffered < maxBuffered && queuedPartitions < owned.size)) {
      streamPaused = false;
      stream?.resume();
    }
  }

  /**
   * The stream pushes a fetch response record by record in one synchronous run, one partition after the other.
   * Pausing in the middle would hold the later partitions' records back in the stream while the first one's are
   * handled, leaving their workers idle; pausing once the response is queued still stops the next fetch (the
   * stream schedules it on a later tick and checks for a pause first).
   */
  function pauseAfterThisDelivery(): void {
    if (streamPaused || pauseScheduled) {
      return;
    }
    pauseScheduled = true;
    process.nextTick(() => {
      pauseScheduled = false;
      if (buffered >= maxBuffered && !streamPaused && !stopping) {
        streamPaused = true;
        stream?.pause();
      }
    });
  }

  function onMessage(message: KafkaMessage): void {
    if (stopping || !owns(message.topic, message.partition)) {
      return;
    }
    const key = `${message.topic}:${message.partition}`;
    let state = partitions.get(key);
    if (!state) {
      state = {
        key,
        log: log.child({ topic: message.topic, partition: message.partition }),
        labels: { topic: message.topic, group: groupId },
        queue: [],
        nextOffset: -1n,
        active: false,
      };
      partitions.set(key, state);
    }
    if (message.offset < state.nextOffset) {
      return;
    }
    state.nextOffset = message.offset + 1n;
    if (state.queue.length === 0) {
      queuedPartitions += 1;
    }
    state.queue.push(message);
    buffered += 1;
    if (buffered >= maxBuffered) {
      pauseAfterThisDelivery();
    }
    if (!state.active) {
      state.active = true;
      const worker = runPartition(state);
      workers.add(worker);
      worker.finally(() => workers.delete(worker));
    }
  }

  /** Removes up to `max` records from the head of the partition's queue. */
  function take(state: PartitionState, max: number): KafkaMessage[] {
    const { queue } = state;
    if (queue.length === 0) {
      return [];
    }
    let taken: KafkaMessage[];
    if (queue.length <= max) {
      taken = queue;
      state.queue = [];
    } else if (max === 1) {
      // shift() moves the array's start in place; splice() would copy the rest of a long queue for every record.
      taken = [queue.shift() as KafkaMessage];
    } else {
      taken = queue.splice(0, max);
    }
    buffered -= taken.length;
    if (state.queue.length === 0) {
      queuedPartitions -= 1;
    }
    resumeIfDrained();
    return taken;
  }

  function clearQueue(state: PartitionState): void {
    if (state.queue.length > 0) {
      buffered -= state.queue.length;
      queuedPartitions -= 1;
      state.queue = [];
    }
  }

  function markDone(state: PartitionState, message: KafkaMessage): void {
    if (partitions.get(state.key) === state) {
      committer.mark({
        topic: message.topic,
        partition: message.partition,
        offset: message.offset + 1n,
        leaderEpoch: message.leaderEpoch,
      });
    }
  }

  async function runPartition(state: PartitionState): Promise<void> {
    // Started from the first record of a delivery: wait for the rest of it, so the first batch holds all of it.
    await Promise.resolve();
    try {
      while (!stopping && partitions.get(state.key) === state) {
        const messages = take(state, handleBatch ? maxBatchSize : 1);
        if (messages.length === 0) {
          break;
        }
        if (handleBatch) {
          if (!(await processBatch(state, handleBatch, messages))) {
            break;
          }
          continue;
        }
        const message = messages[0] as KafkaMessage;
        const record = openRecord(message);
        const done = await processRecord(state, message, record).finally(() => closeRecord(record));
        if (!done) {
          break;
        }
        markDone(state, message);
      }
    } catch (error) {
      // The process functions catch handler and publish errors; reaching here is a bug, and the partition must not go
      // quiet.
      state.log.error({ err: error }, 'kafka partition worker crashed');
    } finally {
      state.active = false;
    }
  }

  /**
   * Hands `messages` to the batch handler and marks the last one done, or, when the batch fails, handles them one by
   * one, marking each. Resolves false when shutdown or a revocation left some of them unhandled.
   */
  async function processBatch(
    state: PartitionState,
    batchHandler: BatchHandler,
    messages: KafkaMessage[],
  ): Promise<boolean> {
    // Made once: a record without a valid traceparent gets a new trace, which the fallback must not make anew.
    const records = messages.map(openRecord);
    try {
      return await handleBatchOf(state, batchHandler, messages, records);
    } finally {
      for (const record of records) closeRecord(record);
    }
  }

  async function handleBatchOf(
    state: PartitionState,
    batchHandler: BatchHandler,
    messages: KafkaMessage[],
    records: ConsumedRecord[],
  ): Promise<boolean> {
    const startedAt = performance.now();
    try {
      await batchHandler(records, {
        log: state.log,
        logFor: (record) => recordLogger(state, record),
        signal: handlerAbort.signal,
      });
      metrics?.eventsConsumed.inc(state.labels, records.length);
      if (state.log.isLevelEnabled('debug')) {
        state.log.debug(
          { ...batchSpan(records), durationMs: Math.round(performance.now() - startedAt) },
          'kafka batch handled',
        );
      }
      markDone(state, messages[messages.length - 1] as KafkaMessage);
      return true;
    } catch (error) {
      if (stopping) {
        state.log.warn(
          { err: error, ...batchSpan(records) },
          'kafka batch handler failed during shutdown, left for redelivery',
        );
        return false;
      }
      state.log.warn(
        { err: error, ...batchSpan(records) },
        'kafka batch handler failed, handling its records one by one',
      );
    }
    for (let index = 0; index < messages.length; index++) {
      if (stopping || partitions.get(state.key) !== state) {
        return false;
      }
      const message = messages[index] as KafkaMessage;
      if (!(await processRecord(state, message, records[index] as ConsumedRecord))) {
        return false;
      }
      markDone(state, message);
    }
    return true;
  }

  /** Resolves true when the record is done with (handled or dead-lettered), false when shutdown abandoned it. */
  async function processRecord(state: PartitionState, message: KafkaMessage, record: ConsumedRecord): Promise<boolean> {
    let bound: Logger | undefined;
    const recordLog = (): Logger => {
      bound ??= recordLogger(state, record);
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
          signal: handlerAbort.signal,
        });
        metrics?.eventsConsumed.inc(state.labels);
        if (state.log.isLevelEnabled('debug')) {
          recordLog().debug({ attempt, durationMs: Math.round(performance.now() - startedAt) }, 'kafka event handled');
        }
        return true;
      } catch (error) {
        const poison = isPoison(error, poisonCodes);
        if (!poison && !isOutage(error)) {
          budgetUsed += 1;
        }
        if (poison || budgetUsed >= policy.maxAttempts) {
          return deadLetter(message, record, attempt, error, state, recordLog());
        }
        if (stopping) {
          recordLog().warn({ err: error, attempt }, 'kafka event handler failed during shutdown, left for redelivery');
          return false;
        }
        const delayMs = retryDelayMs(attempt, policy);
        metrics?.eventsRetried.inc(state.labels);
        recordLog().warn({ err: error, attempt, retryInMs: delayMs }, 'kafka event handler failed, will retry');
        if (!(await sleepUnlessAborted(delayMs, stopAbort.signal))) {
          return false;
        }
      }
    }
  }

  async function deadLetter(
    message: KafkaMessage,
    record: ConsumedRecord,
    attempts: number,
    error: unknown,
    state: PartitionState,
    recordLog: Logger,
  ): Promise<boolean> {
    const topic = deadLetterTopic(record.topic, groupId);
    const code = errorCode(error);
    recordSpans.get(record)?.fail(error);
    const letter = deadLetterRecord(message, { groupId, traceparent: record.traceparent, attempts, error });
    deadLetterProducer ??= createEventProducer({ connection, log });
    for (let failures = 1; ; failures++) {
      try {
        await deadLetterProducer.publish(topic, letter);
        metrics?.eventsDeadLettered.inc({ ...state.labels, code });
        recordLog.warn({ err: error, attempts, errorCode: code, deadLetterTopic: topic }, 'kafka event dead-lettered');
        return true;
      } catch (publishError) {
        // Committing without a dead letter would lose the record: keep trying until it lands or shutdown.
        recordLog.error({ err: publishError, deadLetterTopic: topic }, 'kafka dead-letter publish failed, will retry');
        if (!(await sleepUnlessAborted(retryDelayMs(failures, policy), stopAbort.signal))) {
          return false;
        }
      }
    }
  }

  async function openStream(): Promise<void> {
    // Against a broker too old for the client the stream would loop on TypeErrors: refuse it by name instead.
    await compatibility.verify(apiVersionsOf(connection));
    const opened = await consumer.consume({
      topics,
      mode: 'committed',
      fallbackMode: 'earliest',
      autocommit: false,
    });
    owned = keysOf(consumer.assignments ?? []);
    streamPaused = false;
    stream = opened;
    opened.on('data', onMessage);
    opened.on('error', (error) => void restartStream(opened, error));
    opened.once('close', () => void restartStream(opened, undefined));
  }

  async function restartStream(failed: MessagesStream<Buffer, Buffer, string, Buffer>, error: unknown): Promise<void> {
    if (stopping || restarting || stream !== failed) {
      return;
    }
    restarting = true;
    stream = undefined;
    log.error({ err: error }, 'kafka consumer stream ended unexpectedly, reopening');
    failed.destroy();
    for (let attempt = 1; ; attempt++) {
      if (!(await sleepUnlessAborted(retryDelayMs(attempt, STREAM_RESTART_POLICY), stopAbort.signal))) {
        break;
      }
      try {
        await openStream();
        log.info('kafka consumer stream reopened');
        break;
      } catch (reopenError) {
        // An unsupported broker was logged once by the compatibility check; it is retried quietly until replaced.
        if (!PlatformErrors.is(reopenError, 'KAFKA_BROKER_UNSUPPORTED')) {
          log.error({ err: reopenError, attempt }, 'kafka consumer stream reopen failed');
        }
      }
    }
    restarting = false;
  }

  async function refreshLag(): Promise<PartitionLag[]> {
    const lags = await consumer.getLag({ topics });
    const result: PartitionLag[] = [];
    for (const [topic, perPartition] of lags) {
      perPartition.forEach((lag, partition) => {
        const labels = { topic, group: groupId, partition: String(partition) };
        if (lag >= 0n && owns(topic, partition)) {
          metrics?.consumerLag.set(labels, Number(lag));
          result.push({ topic, partition, lag: Number(lag) });
        } else {
          metrics?.consumerLag.remove(labels);
        }
      });
    }
    return result;
  }

  async function shutdown(): Promise<void> {
    const deadline = performance.now() + shutdownTimeoutMs;
    clearInterval(lagTimer);
    stopAbort.abort();
    stream?.pause();
    for (const state of partitions.values()) {
      clearQueue(state);
    }
    const drained = await settlesWithin(
      Promise.allSettled([...workers]),
      Math.max(0, deadline - performance.now() - CLOSE_RESERVE_MS),
    );
    if (!drained) {
      handlerAbort.abort();
      log.warn({ partitions: workers.size }, 'kafka handlers still running at shutdown deadline, left for redelivery');
    }
    const closed = await settlesWithin(
      (async () => {
        if (!(await committer.flush())) {
          log.warn('kafka offsets left uncommitted at shutdown, those records will be redelivered');
        }
        committer.close();
        await consumer.close(true);
        if (ownsDeadLetterProducer) {
          await deadLetterProducer?.close();
        }
      })().catch((error: unknown) => log.error({ err: error }, 'kafka consumer close failed')),
      Math.max(0, deadline - performance.now()),
    );
    committer.close();
    consumer.removeListener('consumer:group:join', onGroupJoin);
    if (closed) {
      log.info('kafka consumer stopped');
    } else {
      log.warn({ timeoutMs: shutdownTimeoutMs }, 'kafka consumer did not close within the shutdown timeout');
    }
  }

  try {
    await openStream();
  } catch (error) {
    consumer.removeListener('consumer:group:join', onGroupJoin);
    await consumer.close(true).catch(() => undefined);
    if (PlatformErrors.is(error, 'KAFKA_BROKER_UNSUPPORTED')) throw error;
    throw PlatformErrors.create(
      'KAFKA_CONSUMER_START_FAILED',
      `consumer group ${groupId} could not start on ${topics.join(', ')}`,
      { cause: error },
    );
  }

  if (metrics) {
    lagTimer = setInterval(() => {
      refreshLag().catch((error: unknown) => log.debug({ err: error }, 'kafka lag refresh failed'));
    }, options.lagIntervalMs ?? 10_000);
    lagTimer.unref();
  }

  return Object.freeze({
    isAssigned(): boolean {
      return !stopping && stream !== undefined && consumer.memberId !== null && consumer.assignments !== null;
    },
    assignments(): TopicPartition[] {
      return (consumer.assignments ?? []).flatMap(({ topic, partitions }) =>
        partitions.map((partition) => ({ topic, partition })),
      );
    },
    refreshLag,
    stop(): Promise<void> {
      stopping ??= shutdown();
      return stopping;
    },
  });
}

function recordLogger(state: PartitionState, record: ConsumedRecord): Logger {
  return state.log.child({ offset: String(record.offset), traceId: record.traceId });
}

function batchSpan(records: readonly ConsumedRecord[]): { records: number; firstOffset: string; lastOffset: string } {
  return {
    records: records.length,
    firstOffset: String(records[0]?.offset),
    lastOffset: String(records[records.length - 1]?.offset),
  };
}

function keysOf(assignments: readonly GroupAssignment[]): Set<string> {
  return new Set(
    assignments.flatMap(({ topic, partitions }) => partitions.map((partition) => `${topic}:${partition}`)),
  );
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

async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
