import { Consumer, type GroupAssignment, type MessagesStream, stringDeserializer } from '@platformatic/kafka';
import { type RetryPolicy, retryDelayMs, sleepUnlessAborted } from './backoff.ts';
import { apiVersionsOf, createBrokerCompatibility } from './broker-compatibility.ts';
import type { KafkaMessage } from './consumed-record.ts';
import { type ConsumerRunnerOptions, resolveConsumerSettings } from './consumer-settings.ts';
import { createEventProducer, type EventProducer } from './event-producer.ts';
import { clientOptions } from './kafka-connection.ts';
import { PlatformErrors } from '../errors.ts';
import { createOffsetCommitter } from './offset-committer.ts';
import { createPartitionFlow } from './partition-flow.ts';
import { type ConsumerFlow, createRecordProcessor, type PartitionContext } from './record-processor.ts';

export type { ConsumerRunnerOptions } from './consumer-settings.ts';
export type { BatchContext, BatchHandler, HandlerContext, RecordHandler } from './record-processor.ts';

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export interface PartitionLag extends TopicPartition {
  /** High watermark minus the group's committed offset. */
  readonly lag: number;
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

// What shutdown keeps for committing and leaving the group after waiting on handlers.
const CLOSE_RESERVE_MS = 2000;
// Kafka's own default (max.partition.fetch.bytes): bounds what one fetch adds to the buffer for each partition.
const FETCH_BYTES_PER_PARTITION = 1024 * 1024;
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
 *
 * The parts: consumer-settings.ts checks the options, partition-flow.ts queues records per partition and decides when
 * fetching pauses, record-processor.ts calls the handlers, retries, dead-letters and marks offsets for commit. This
 * file wires them to the client's stream and runs shutdown.
 */
export async function startConsumer(options: ConsumerRunnerOptions): Promise<ConsumerRunner> {
  const settings = resolveConsumerSettings(options);
  const { connection } = options;
  const { groupId, topics, sessionTimeoutMs: sessionTimeout, shutdownTimeoutMs } = settings;
  const metrics = options.metrics;
  const log = options.log.child({ groupId });
  const compatibility = options.brokerCompatibility ?? createBrokerCompatibility({ log });

  const consumer = new Consumer<Buffer, Buffer, string, Buffer>({
    ...clientOptions(connection),
    groupId,
    autocommit: false,
    sessionTimeout,
    heartbeatInterval: settings.heartbeatIntervalMs,
    rebalanceTimeout: Math.max(sessionTimeout, 60_000),
    maxWaitTime: settings.maxWaitMs,
    maxBytesPerPartition: FETCH_BYTES_PER_PARTITION,
    highWaterMark: Math.min(settings.maxBufferedRecords, 1024),
    // Services start before anything was published: let the broker create the topics rather than fail the join.
    autocreateTopics: true,
    deserializers: { headerKey: stringDeserializer },
  });

  const workers = new Set<Promise<void>>();
  const stopAbort = new AbortController();
  const handlerAbort = new AbortController();
  let stream: MessagesStream<Buffer, Buffer, string, Buffer> | undefined;
  let stopping: Promise<void> | undefined;
  let restarting = false;
  let lagTimer: NodeJS.Timeout | undefined;
  let deadLetterProducer: EventProducer | undefined = options.deadLetter === 'auto' ? undefined : options.deadLetter;
  const ownsDeadLetterProducer = deadLetterProducer === undefined;

  const flow: ConsumerFlow = createPartitionFlow<KafkaMessage, PartitionContext>({
    maxBufferedRecords: settings.maxBufferedRecords,
    openPartition: (topic, partition) => ({
      log: log.child({ topic, partition }),
      labels: { topic, group: groupId },
    }),
    startWorker: (queue) => {
      const worker = processor.runPartition(queue);
      workers.add(worker);
      worker.finally(() => workers.delete(worker));
    },
    pause: () => stream?.pause(),
    resume: () => stream?.resume(),
  });
  const committer = createOffsetCommitter({ consumer, log, owns: flow.owns });
  const processor = createRecordProcessor({
    ...settings,
    metrics,
    flow,
    committer,
    deadLetterProducer: () => (deadLetterProducer ??= createEventProducer({ connection, log })),
    stopSignal: stopAbort.signal,
    handlerSignal: handlerAbort.signal,
  });

  function onGroupJoin(payload: { generationId?: number; assignments?: GroupAssignment[] }): void {
    flow.assign(payload.assignments ?? consumer.assignments ?? []);
    log.info({ generationId: payload.generationId, assignments: flow.ownedKeys() }, 'kafka consumer group joined');
  }
  consumer.on('consumer:group:join', onGroupJoin);
  // The client emits 'error' when a rejoin asked for by a heartbeat fails (consumer.js, the heartbeat's #joinGroup
  // callback), e.g. "Connection closed" when the broker connection drops mid-rejoin. Without a listener that emit
  // throws from a socket callback and the process dies; the member is out of the group, so reopening the stream
  // rejoins it. Kept after stop(): a rejoin cut short by close() still reports here.
  consumer.on('error', (error: unknown) => {
    if (stopping || !stream) {
      log.debug({ err: error }, 'kafka consumer rejoin failed while stopping or restarting');
      return;
    }
    void restartStream(stream, error, 'group rejoin failed');
  });

  async function openStream(): Promise<void> {
    // Against a broker too old for the client the stream would loop on TypeErrors: refuse it by name instead.
    await compatibility.verify(apiVersionsOf(connection));
    const opened = await consumer.consume({
      topics,
      mode: 'committed',
      fallbackMode: 'earliest',
      autocommit: false,
    });
    flow.streamOpened(consumer.assignments ?? []);
    stream = opened;
    opened.on('data', flow.offer);
    opened.on('error', (error) => void restartStream(opened, error, 'stream failed'));
    opened.once('close', () => void restartStream(opened, undefined, 'stream ended unexpectedly'));
  }

  /** Reopens the stream after `failed` stopped delivering; `why` says what stopped it, for the log line. */
  async function restartStream(
    failed: MessagesStream<Buffer, Buffer, string, Buffer>,
    error: unknown,
    why: string,
  ): Promise<void> {
    if (stopping || restarting || stream !== failed) {
      return;
    }
    restarting = true;
    stream = undefined;
    log.error({ err: error }, `kafka consumer ${why}, reopening`);
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
        if (lag >= 0n && flow.owns(topic, partition)) {
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
    flow.close();
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
    }, settings.lagIntervalMs);
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
