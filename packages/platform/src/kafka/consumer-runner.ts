import { Consumer, type GroupAssignment, type MessagesStream, stringDeserializer } from '@platformatic/kafka';
import type { Logger } from 'pino';
import { type RetryPolicy, resolveRetryPolicy, retryDelayMs, sleepUnlessAborted } from './backoff.ts';
import { type ConsumedRecord, type KafkaMessage, toConsumedRecord } from './consumed-record.ts';
import { deadLetterRecord, deadLetterTopic, errorCode } from './dead-letter.ts';
import { createEventProducer, type EventProducer } from './event-producer.ts';
import { clientOptions, type KafkaConnection } from './kafka-connection.ts';
import { KafkaErrors } from './kafka-errors.ts';
import type { ConsumerMetrics } from './kafka-metrics.ts';
import { createOffsetCommitter } from './offset-committer.ts';
import { PoisonEventError } from './poison-event-error.ts';

export interface HandlerContext {
  /** The runner's logger bound to topic, partition, offset and the record's traceId. */
  readonly log: Logger;
  /** 1 on the first call for a record, then 2, 3, … on retries. */
  readonly attempt: number;
  /** Aborted when shutdown gives up waiting for this call; the record is then left uncommitted for redelivery. */
  readonly signal: AbortSignal;
}

/**
 * Processes one record. Throwing retries it with backoff; throwing PoisonEventError, an error whose `retriable` is
 * false, or one whose `code` is listed in `poisonCodes` sends it to the dead-letter topic at once.
 */
export type RecordHandler = (record: ConsumedRecord, context: HandlerContext) => Promise<void>;

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
  readonly log: Logger;
  readonly metrics?: ConsumerMetrics;
  /** Defaults: maxAttempts 5 (the first call included), initialDelayMs 100, maxDelayMs 5000. */
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
  /** Records fetched but not yet handled, across partitions, above which fetching pauses. Default 1000. */
  readonly maxBufferedRecords?: number;
  /** How often the lag gauge is refreshed when metrics are given. Default 10 000 ms. */
  readonly lagIntervalMs?: number;
  /** stop() resolves within this time whatever the handlers or the broker do. Default 10 000 ms. */
  readonly shutdownTimeoutMs?: number;
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
  readonly queue: KafkaMessage[];
  /** Offset after the last record queued; a refetch after a rebalance redelivers what is below it. */
  nextOffset: bigint;
  active: boolean;
}

// What shutdown keeps for committing and leaving the group after waiting on handlers.
const CLOSE_RESERVE_MS = 2000;
const STREAM_RESTART_POLICY: RetryPolicy = {
  maxAttempts: Number.POSITIVE_INFINITY,
  initialDelayMs: 500,
  maxDelayMs: 10_000,
};

/**
 * Joins `groupId` and consumes `topics` from the group's committed offsets (the earliest offset for a partition the
 * group never committed), handing each record to `handler` one at a time per partition, in offset order, with
 * partitions processed concurrently. An offset is committed only after its record was handled or dead-lettered.
 * Resolves once the group is joined and the stream is open.
 */
export async function startConsumer(options: ConsumerRunnerOptions): Promise<ConsumerRunner> {
  const { connection, groupId, handler } = options;
  const topics = [...options.topics];
  if (typeof groupId !== 'string' || groupId === '') {
    throw KafkaErrors.create('KAFKA_CONFIG_INVALID', 'groupId must be a non-empty string');
  }
  if (topics.length === 0 || topics.some((topic) => typeof topic !== 'string' || topic === '')) {
    throw KafkaErrors.create('KAFKA_CONFIG_INVALID', 'topics must list at least one topic name');
  }
  if (typeof handler !== 'function') {
    throw KafkaErrors.create('KAFKA_CONFIG_INVALID', 'handler must be a function');
  }
  const policy = resolveRetryPolicy(options.retry);
  const poisonCodes = new Set(options.poisonCodes ?? []);
  const sessionTimeout = options.sessionTimeoutMs ?? options.connection.sessionTimeoutMs ?? 30_000;
  const heartbeatInterval = options.heartbeatIntervalMs ?? 3000;
  const maxBuffered = options.maxBufferedRecords ?? 1000;
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 10_000;
  const metrics = options.metrics;
  const log = options.log.child({ groupId });

  const consumer = new Consumer<Buffer, Buffer, string, Buffer>({
    ...clientOptions(connection),
    groupId,
    autocommit: false,
    sessionTimeout,
    heartbeatInterval,
    rebalanceTimeout: Math.max(sessionTimeout, 60_000),
    maxWaitTime: options.maxWaitMs ?? 500,
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
  let buffered = 0;
  let stopping: Promise<void> | undefined;
  let restarting = false;
  let lagTimer: NodeJS.Timeout | undefined;
  let deadLetterProducer: EventProducer | undefined = options.deadLetter === 'auto' ? undefined : options.deadLetter;
  const ownsDeadLetterProducer = deadLetterProducer === undefined;

  const owns = (topic: string, partition: number): boolean => owned.has(`${topic}:${partition}`);
  const committer = createOffsetCommitter({ consumer, log, owns });

  function onGroupJoin(payload: { generationId?: number; assignments?: GroupAssignment[] }): void {
    owned = keysOf(payload.assignments ?? consumer.assignments ?? []);
    for (const [key, state] of partitions) {
      if (!owned.has(key)) {
        // Revoked: its new owner resumes from the committed offset; an in-flight record here finishes uncommitted.
        buffered -= state.queue.length;
        state.queue.length = 0;
        partitions.delete(key);
      }
    }
    resumeIfDrained();
    log.info({ generationId: payload.generationId, assignments: [...owned] }, 'kafka consumer group joined');
  }
  consumer.on('consumer:group:join', onGroupJoin);

  function resumeIfDrained(): void {
    if (streamPaused && buffered <= maxBuffered / 2 && !stopping) {
      streamPaused = false;
      stream?.resume();
    }
  }

  function onMessage(message: KafkaMessage): void {
    if (stopping || !owns(message.topic, message.partition)) {
      return;
    }
    const key = `${message.topic}:${message.partition}`;
    let state = partitions.get(key);
    if (!state) {
      state = { key, queue: [], nextOffset: -1n, active: false };
      partitions.set(key, state);
    }
    if (message.offset < state.nextOffset) {
      return;
    }
    state.nextOffset = message.offset + 1n;
    state.queue.push(message);
    buffered += 1;
    if (buffered >= maxBuffered && !streamPaused) {
      streamPaused = true;
      stream?.pause();
    }
    if (!state.active) {
      state.active = true;
      const worker = runPartition(state);
      workers.add(worker);
      worker.finally(() => workers.delete(worker));
    }
  }

  async function runPartition(state: PartitionState): Promise<void> {
    try {
      while (!stopping && partitions.get(state.key) === state) {
        const message = state.queue.shift();
        if (!message) {
          break;
        }
        buffered -= 1;
        resumeIfDrained();
        const finished = await processRecord(message);
        if (!finished) {
          break;
        }
        if (partitions.get(state.key) === state) {
          committer.mark({
            topic: message.topic,
            partition: message.partition,
            offset: message.offset + 1n,
            leaderEpoch: message.leaderEpoch,
          });
        }
      }
    } catch (error) {
      // processRecord catches handler and publish errors; reaching here is a bug, and the partition must not go quiet.
      log.error({ err: error, partition: state.key }, 'kafka partition worker crashed');
    } finally {
      state.active = false;
    }
  }

  /** Resolves true when the record is done with (handled or dead-lettered), false when shutdown abandoned it. */
  async function processRecord(message: KafkaMessage): Promise<boolean> {
    const record = toConsumedRecord(message);
    const recordLog = log.child({
      topic: record.topic,
      partition: record.partition,
      offset: String(record.offset),
      traceId: record.traceId,
    });
    const labels = { topic: record.topic, group: groupId };
    for (let attempt = 1; ; attempt++) {
      const startedAt = performance.now();
      try {
        await handler(record, { log: recordLog, attempt, signal: handlerAbort.signal });
        metrics?.eventsConsumed.inc(labels);
        recordLog.info({ attempt, durationMs: Math.round(performance.now() - startedAt) }, 'kafka event handled');
        return true;
      } catch (error) {
        const poison = isPoison(error, poisonCodes);
        if (poison || attempt >= policy.maxAttempts) {
          return deadLetter(message, record, attempt, error, recordLog);
        }
        if (stopping) {
          recordLog.warn({ err: error, attempt }, 'kafka event handler failed during shutdown, left for redelivery');
          return false;
        }
        const delayMs = retryDelayMs(attempt, policy);
        metrics?.eventsRetried.inc(labels);
        recordLog.warn({ err: error, attempt, retryInMs: delayMs }, 'kafka event handler failed, will retry');
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
    recordLog: Logger,
  ): Promise<boolean> {
    const topic = deadLetterTopic(record.topic, groupId);
    const code = errorCode(error);
    const letter = deadLetterRecord(message, { groupId, traceparent: record.traceparent, attempts, error });
    deadLetterProducer ??= createEventProducer({ connection, log });
    for (let failures = 1; ; failures++) {
      try {
        await deadLetterProducer.publish(topic, letter);
        metrics?.eventsDeadLettered.inc({ topic: record.topic, group: groupId, code });
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
        log.error({ err: reopenError, attempt }, 'kafka consumer stream reopen failed');
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
      buffered -= state.queue.length;
      state.queue.length = 0;
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
    throw KafkaErrors.create(
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
