import type { ConsumedRecord } from '../kafka/consumed-record.ts';
import type { BatchContext, HandlerContext } from '../kafka/consumer-runner.ts';
import { startTraceparent, traceIdOf } from '../kafka/traceparent.ts';
import { createLogger, type Logger } from '../logger.ts';

export interface ConsumedRecordInput {
  readonly topic: string;
  readonly value: Buffer | string;
  readonly key?: Buffer | string;
  readonly partition?: number;
  /** Defaults to one more than the last record built. */
  readonly offset?: bigint;
  /** Milliseconds since the epoch; defaults to now. */
  readonly timestamp?: number;
  /** Defaults to a new trace. */
  readonly traceparent?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

let lastOffset = -1n;

/** The record the consumer runner would hand a handler, without a broker: for handler unit tests. */
export function consumedRecord(input: ConsumedRecordInput): ConsumedRecord {
  const traceparent = input.traceparent ?? startTraceparent();
  lastOffset = input.offset ?? lastOffset + 1n;
  return Object.freeze({
    topic: input.topic,
    partition: input.partition ?? 0,
    offset: lastOffset,
    timestamp: BigInt(input.timestamp ?? Date.now()),
    key: input.key === undefined ? undefined : Buffer.from(input.key),
    value: Buffer.from(input.value),
    headers: Object.freeze({ ...input.headers, traceparent }),
    traceparent,
    traceId: traceIdOf(traceparent) as string,
  });
}

export const silentLog: Logger = createLogger({ name: 'test', level: 'silent' });

/** What the runner passes a record handler on its first attempt. */
export function handlerContext(signal: AbortSignal = new AbortController().signal, attempt = 1): HandlerContext {
  return { log: silentLog, attempt, signal };
}

/** What the runner passes a batch handler. */
export function batchContext(signal: AbortSignal = new AbortController().signal): BatchContext {
  return { log: silentLog, logFor: () => silentLog, signal };
}
