import { findErrorBy, type MessageToProduce, Producer, stringSerializer } from '@platformatic/kafka';
import type { Logger } from 'pino';
import type { AppError } from '../errors.ts';
import { clientOptions, type KafkaConnection } from './kafka-connection.ts';
import { PlatformErrors } from '../errors.ts';
import type { ProducerMetrics } from './kafka-metrics.ts';
import { activeTracing, type TracedSpan } from '../telemetry/tracing.ts';
import { continueTraceparent } from './traceparent.ts';

export interface PublishRecord {
  /** Partitioning key: records with the same key land on the same partition, in publish order. */
  readonly key?: string | Buffer;
  readonly value: string | Buffer;
  readonly headers?: Readonly<Record<string, string | Buffer>>;
  /**
   * The traceparent of the work that causes this record. The record's `traceparent` header continues it (same trace
   * id, new parent id); without it, `headers.traceparent` is continued, and without either a new trace starts.
   */
  readonly traceparent?: string;
}

export interface PublishReceipt {
  readonly topic: string;
  /** The `traceparent` header the record was produced with. */
  readonly traceparent: string;
}

export interface EventProducer {
  /**
   * Resolves once the broker acknowledged the record (acks=all). Rejects only with PlatformErrors: code
   * KAFKA_PUBLISH_FAILED (unreachable, no ack within publishTimeoutMs, or closed; retriable, HTTP 503) or
   * KAFKA_RECORD_REJECTED (the broker refuses this record for good).
   */
  publish(topic: string, record: PublishRecord): Promise<PublishReceipt>;
  /** Sends what is queued, waits for every pending publish to settle, then closes the connections. */
  close(): Promise<void>;
}

export interface EventProducerOptions {
  readonly connection: KafkaConnection;
  readonly log: Logger;
  readonly metrics?: ProducerMetrics;
  /**
   * How long a record waits for others to share its produce request. Default 5 ms. With 0, records published in the
   * same synchronous run still share one.
   */
  readonly lingerMs?: number;
  /** Most records in one produce request. Default 500. */
  readonly maxBatchSize?: number;
  /** A publish not acknowledged within this time rejects with KAFKA_PUBLISH_FAILED. Default 10 000 ms. */
  readonly publishTimeoutMs?: number;
}

interface PendingPublish {
  readonly topic: string;
  readonly message: MessageToProduce<Buffer, Buffer, string, Buffer>;
  readonly traceparent: string;
  /** The `send <topic>` span when traces are exported; it ends when the publish settles. */
  readonly span: TracedSpan | undefined;
  readonly startedAt: bigint;
  readonly resolve: (receipt: PublishReceipt) => void;
  readonly reject: (error: AppError) => void;
  readonly settled: Promise<unknown>;
  timer: NodeJS.Timeout | undefined;
  done: boolean;
  /** Set when the caller gave up waiting on a record already sent: settles with the broker's late answer. */
  late: { resolve: (receipt: PublishReceipt) => void; reject: (error: AppError) => void } | undefined;
}

/** A KAFKA_PUBLISH_OUTCOME_UNKNOWN error: `outcome` settles with what finally happened to the record. */
export type PublishOutcomeUnknownError = AppError & { readonly outcome: Promise<PublishReceipt> };

// Retrying these cannot succeed: the record or the request itself is unacceptable to the cluster.
const PERMANENT_CLIENT_CODES = [
  'PLT_KFK_USER',
  'PLT_KFK_AUTHENTICATION',
  'PLT_KFK_UNSUPPORTED',
  'PLT_KFK_UNSUPPORTED_API',
];
const PERMANENT_BROKER_ERRORS = [
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'INVALID_TOPIC_EXCEPTION',
  'TOPIC_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'UNSUPPORTED_FOR_MESSAGE_FORMAT',
];

/**
 * An idempotent (KIP-98), acks=all producer. @platformatic/kafka's Producer.send has no linger of its own and its
 * ProducerStream, which has one, destroys itself on the first failure without telling which writes failed, so the
 * lingering is done here: publishes made within `lingerMs` share one produce request, and one request is in flight
 * at a time (later publishes gather into the next batch meanwhile), which keeps per-partition order trivially.
 */
export function createEventProducer(options: EventProducerOptions): EventProducer {
  const log = options.log;
  const lingerMs = options.lingerMs ?? 5;
  const maxBatchSize = options.maxBatchSize ?? 500;
  const publishTimeoutMs = options.publishTimeoutMs ?? 10_000;
  const metrics = options.metrics;
  const producer = new Producer<Buffer, Buffer, string, Buffer>({
    ...clientOptions(options.connection),
    idempotent: true,
    // The client otherwise sends InitProducerId with id 0 at epoch 0. Kafka hands out a fresh id either way, but
    // -1/-1 is what the protocol defines as "new producer", so no broker can mistake it for an epoch bump (KIP-360).
    producerId: -1n,
    producerEpoch: -1,
    acks: -1,
    // An idempotent producer otherwise retries forever; publishTimeoutMs bounds the caller's wait regardless.
    retries: 5,
    retryDelay: 250,
    autocreateTopics: true,
    serializers: { headerKey: stringSerializer },
  });

  const queue: PendingPublish[] = [];
  const unsettled = new Set<PendingPublish>();
  let lingerTimer: NodeJS.Timeout | undefined;
  let flushQueued = false;
  let inflight: Promise<void> | undefined;
  let closing: Promise<void> | undefined;

  function settle(pending: PendingPublish, error: AppError | undefined): void {
    if (pending.done) {
      if (pending.late) {
        if (error) pending.late.reject(error);
        else pending.late.resolve({ topic: pending.topic, traceparent: pending.traceparent });
        pending.late = undefined;
      }
      return;
    }
    pending.done = true;
    clearTimeout(pending.timer);
    unsettled.delete(pending);
    if (error) pending.span?.fail(error);
    pending.span?.end();
    if (error) {
      pending.reject(error);
      return;
    }
    const seconds = Number(process.hrtime.bigint() - pending.startedAt) / 1e9;
    metrics?.publishDuration.observe({ topic: pending.topic }, seconds);
    pending.resolve({ topic: pending.topic, traceparent: pending.traceparent });
  }

  function flush(): void {
    clearTimeout(lingerTimer);
    lingerTimer = undefined;
    if (inflight || queue.length === 0) {
      return;
    }
    const batch = queue.splice(0, maxBatchSize);
    inflight = send(batch).finally(() => {
      inflight = undefined;
      flush();
    });
  }

  async function send(batch: PendingPublish[]): Promise<void> {
    try {
      await producer.send({ messages: batch.map((pending) => pending.message) });
      for (const pending of batch) {
        settle(pending, undefined);
      }
    } catch (error) {
      const waiting = batch.filter((pending) => !pending.done);
      // Publishes that already timed out were reported to their callers; only the rest is news.
      if (waiting.length > 0) {
        const topics = [...new Set(waiting.map((pending) => pending.topic))];
        log.warn({ err: error, topics, records: waiting.length }, 'kafka publish failed');
      }
      // Every record of the batch, including those whose callers stopped waiting and follow the late outcome.
      for (const pending of batch) {
        settle(pending, toPublishError(pending.topic, error));
      }
    }
  }

  function schedule(): void {
    if (inflight) {
      return;
    }
    if (queue.length >= maxBatchSize) {
      flush();
      return;
    }
    if (lingerMs <= 0) {
      // No waiting for later publishes, but those made in the same synchronous run (a batch handler publishing all
      // its results at once) still share one request: flushing at once would send the first of them alone.
      if (!flushQueued) {
        flushQueued = true;
        queueMicrotask(() => {
          flushQueued = false;
          flush();
        });
      }
      return;
    }
    lingerTimer ??= setTimeout(flush, lingerMs);
  }

  function publish(topic: string, record: PublishRecord): Promise<PublishReceipt> {
    if (closing) {
      return Promise.reject(
        PlatformErrors.create('KAFKA_PUBLISH_FAILED', `cannot publish to ${topic}: the producer is closed`),
      );
    }
    const headers = new Map<string, Buffer>();
    for (const [name, value] of Object.entries(record.headers ?? {})) {
      headers.set(name, typeof value === 'string' ? Buffer.from(value) : value);
    }
    const parent = record.traceparent ?? headers.get('traceparent');
    const span = activeTracing()?.producerSpan({ topic, key: record.key, parent });
    const traceparent = span?.traceparent ?? continueTraceparent(parent);
    headers.set('traceparent', Buffer.from(traceparent));
    const message: MessageToProduce<Buffer, Buffer, string, Buffer> = {
      topic,
      key: typeof record.key === 'string' ? Buffer.from(record.key) : record.key,
      value: typeof record.value === 'string' ? Buffer.from(record.value) : record.value,
      headers,
    };
    let resolve!: (receipt: PublishReceipt) => void;
    let reject!: (error: AppError) => void;
    const promise = new Promise<PublishReceipt>((onResolve, onReject) => {
      resolve = onResolve;
      reject = onReject;
    });
    const pending: PendingPublish = {
      topic,
      message,
      traceparent,
      span,
      startedAt: process.hrtime.bigint(),
      resolve,
      reject,
      settled: promise.catch(() => undefined),
      timer: undefined,
      done: false,
      late: undefined,
    };
    pending.timer = setTimeout(() => {
      const index = queue.indexOf(pending);
      if (index >= 0) {
        // Not sent yet: drop it, so a record the caller was told failed is never written behind its back.
        queue.splice(index, 1);
        settle(
          pending,
          PlatformErrors.create(
            'KAFKA_PUBLISH_FAILED',
            `no acknowledgement for a record on ${topic} within ${publishTimeoutMs} ms`,
          ),
        );
        return;
      }
      // Already on the wire: the broker may still write it. Say so, and let the caller follow the real outcome.
      const outcome = new Promise<PublishReceipt>((resolveLate, rejectLate) => {
        pending.late = { resolve: resolveLate, reject: rejectLate };
      });
      outcome.catch(() => undefined);
      const error = PlatformErrors.create(
        'KAFKA_PUBLISH_OUTCOME_UNKNOWN',
        `a record sent to ${topic} was not acknowledged within ${publishTimeoutMs} ms; it may still be written`,
      );
      settle(pending, Object.assign(error, { outcome }));
    }, publishTimeoutMs);
    unsettled.add(pending);
    queue.push(pending);
    schedule();
    return promise;
  }

  function close(): Promise<void> {
    closing ??= (async () => {
      flush();
      await Promise.all([...unsettled].map((pending) => pending.settled));
      await producer.close(true);
    })();
    return closing;
  }

  return Object.freeze({ publish, close });
}

function toPublishError(topic: string, error: unknown): AppError {
  const cause = error instanceof Error ? error : new Error(String(error));
  const permanent =
    PERMANENT_CLIENT_CODES.some((code) => findErrorBy(cause, 'code', code)) ||
    PERMANENT_BROKER_ERRORS.some((apiId) => findErrorBy(cause, 'apiId', apiId));
  return PlatformErrors.create(
    permanent ? 'KAFKA_RECORD_REJECTED' : 'KAFKA_PUBLISH_FAILED',
    `publishing to ${topic} failed: ${cause.message}`,
    { cause },
  );
}
