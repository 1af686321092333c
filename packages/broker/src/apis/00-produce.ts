// Produce (key 0), v0-11 (v3+ carry record batches; older clients' message sets fail per partition). Each
// partition's `records` must be one or more magic v2 batches: their CRC-32C is checked (CORRUPT_MESSAGE), the
// old message formats get UNSUPPORTED_FOR_MESSAGE_FORMAT, a batch over max.message.bytes gets MESSAGE_TOO_LARGE.
// The broker assigns each batch's base offset (the CRC does not cover it). Idempotent producers (KIP-98) are
// deduplicated per partition by the storage layer: a retried batch gets its original offset back.
// acks=0 gets no response at all; acks=1 and acks=-1 are the same on a single node and are answered once the data
// is durable under the fsync policy. Transactional produce is not implemented and is refused per partition.
// Topics are auto-created here as on Metadata, when the broker allows it.
import { ErrorCode } from '../protocol/error-codes.ts';
import type {
  ProduceRequest,
  ProduceResponse,
  ProduceResponsePartitionProduceResponse,
} from '../protocol/generated/produce.ts';
import { readRecordBatchHeader, splitRecordBatches } from '../record-batch/record-batch.ts';
import type { PartitionLog } from '../storage/partition-log.ts';
import { findOrAutoCreateTopic } from '../topic-auto-creation.ts';
import type { ApiHandler, BrokerState } from './api-handler.ts';

const MAX_MESSAGE_BYTES_CONFIG = 'max.message.bytes';

export const produceHandler: ApiHandler<ProduceRequest, ProduceResponse> = {
  apiKey: 0,
  minVersion: 0,
  maxVersion: 11,
  async handle(context, request) {
    const broker = context.broker;
    const acks = request.acks;
    const waits: Promise<void>[] = [];
    const responses: ProduceResponse['responses'] = [];
    for (const topicData of request.topicData) {
      const partitionResponses: ProduceResponsePartitionProduceResponse[] = [];
      const found = findOrAutoCreateTopic(broker, topicData.name, true);
      for (const partitionData of topicData.partitionData) {
        const fail = (errorCode: number, errorMessage: string | null = null) =>
          partitionResponses.push(partitionError(partitionData.index, errorCode, errorMessage));
        if (acks !== 0 && acks !== 1 && acks !== -1) {
          fail(ErrorCode.INVALID_REQUIRED_ACKS, `acks must be 0, 1 or -1, not ${acks}`);
          continue;
        }
        if (request.transactionalId !== null && request.transactionalId !== undefined) {
          fail(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 'transactions are not supported by this broker');
          continue;
        }
        const partition =
          found.topic === undefined ? undefined : broker.logs.partition(found.topic.name, partitionData.index);
        if (partition === undefined) {
          fail(found.errorCode === ErrorCode.NONE ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : found.errorCode);
          continue;
        }
        const result = appendRecords(broker, partition, found.topic?.configs ?? {}, partitionData.records);
        if (!result.ok) {
          context.log.debug({ topic: topicData.name, partition: partitionData.index, ...result }, 'produce refused');
          fail(result.errorCode, result.errorMessage);
          continue;
        }
        waits.push(result.durable);
        partitionResponses.push({
          index: partitionData.index,
          errorCode: ErrorCode.NONE,
          baseOffset: result.baseOffset,
          logAppendTimeMs: -1n,
          logStartOffset: result.logStartOffset,
          recordErrors: [],
          errorMessage: null,
        });
      }
      responses.push({ name: topicData.name, partitionResponses });
    }
    if (acks === 0) {
      // Nobody waits for an answer, but a storage failure must still be seen by someone.
      Promise.all(waits).catch((error: unknown) => context.log.error({ err: error }, 'acks=0 write failed to sync'));
      return null;
    }
    try {
      await Promise.all(waits);
    } catch (error) {
      context.log.error({ err: error }, 'produced data could not be made durable');
      for (const topic of responses) {
        for (const partition of topic.partitionResponses) {
          if (partition.errorCode === ErrorCode.NONE) {
            Object.assign(partition, partitionError(partition.index, ErrorCode.KAFKA_STORAGE_ERROR, 'fsync failed'));
          }
        }
      }
    }
    return { responses, throttleTimeMs: 0 };
  },
};

type AppendOutcome =
  | { ok: true; baseOffset: bigint; logStartOffset: bigint; durable: Promise<void> }
  | { ok: false; errorCode: number; errorMessage: string | null };

function appendRecords(
  broker: BrokerState,
  partition: PartitionLog,
  topicConfigs: Readonly<Record<string, string>>,
  records: Buffer | null,
): AppendOutcome {
  if (records === null || records.length === 0) {
    return { ok: false, errorCode: ErrorCode.INVALID_RECORD, errorMessage: 'no records in produce request' };
  }
  const split = splitRecordBatches(records);
  if ('errorCode' in split) return { ok: false, errorCode: split.errorCode, errorMessage: split.errorMessage };
  const maxMessageBytes = Number(topicConfigs[MAX_MESSAGE_BYTES_CONFIG] ?? broker.config.maxMessageBytes);
  for (const batch of split.batches) {
    if (batch.length > maxMessageBytes) {
      return {
        ok: false,
        errorCode: ErrorCode.MESSAGE_TOO_LARGE,
        errorMessage: `record batch of ${batch.length} bytes is over max.message.bytes ${maxMessageBytes}`,
      };
    }
  }
  let first: { baseOffset: bigint; logStartOffset: bigint } | undefined;
  const durable: Promise<void>[] = [];
  // Each batch carries its own producer id and sequence range; idempotence is checked batch by batch.
  for (const batch of split.batches) {
    const header = readRecordBatchHeader(batch, 0);
    const producer =
      header.producerId >= 0n
        ? {
            producerId: header.producerId,
            producerEpoch: header.producerEpoch,
            baseSequence: header.baseSequence,
            lastSequence: header.baseSequence + header.lastOffsetDelta,
          }
        : undefined;
    const appended = partition.append([batch], producer);
    if (appended.errorCode !== ErrorCode.NONE) {
      return { ok: false, errorCode: appended.errorCode, errorMessage: appended.errorMessage ?? null };
    }
    durable.push(appended.durable);
    first ??= { baseOffset: appended.baseOffset, logStartOffset: appended.logStartOffset };
  }
  if (first === undefined) return { ok: false, errorCode: ErrorCode.INVALID_RECORD, errorMessage: 'no record batches' };
  return {
    ok: true,
    baseOffset: first.baseOffset,
    logStartOffset: first.logStartOffset,
    durable: Promise.all(durable).then(() => undefined),
  };
}

function partitionError(
  index: number,
  errorCode: number,
  errorMessage: string | null,
): ProduceResponsePartitionProduceResponse {
  return {
    index,
    errorCode,
    baseOffset: -1n,
    logAppendTimeMs: -1n,
    logStartOffset: -1n,
    recordErrors: [],
    errorMessage,
  };
}
