// Fetch (key 1), v0-17. Returns whole record batches from each requested partition, up to its high watermark:
// a fetch offset inside a batch returns that whole batch, and the first partition with data returns at least one
// batch even when it is larger than the byte limits (KIP-74), so a consumer can never be stuck on a large batch;
// every later partition keeps to what is left of the limits.
// Long polling: with less than min_bytes available the request waits up to max_wait_ms, and wakes as soon as any
// requested partition's high watermark moves. As in Kafka, it is answered at once when min_bytes is met (so
// min_bytes 0 never waits) or when a partition has an error (OFFSET_OUT_OF_RANGE, an unknown partition, …).
// Topics are addressed by name up to v12 and by topic id from v13 (KIP-516). Incremental fetch sessions (KIP-227)
// are declined the way the protocol allows: we answer session id 0, so every fetch is a full fetch; a client naming
// a session we never created gets FETCH_SESSION_ID_NOT_FOUND.
// There are no transactions, so read_committed sees what read_uncommitted sees and no batch is ever aborted.
import { ErrorCode } from '../protocol/error-codes.ts';
import type {
  FetchRequest,
  FetchResponse,
  FetchResponseFetchableTopicResponse,
  FetchResponsePartitionData,
} from '../protocol/generated/fetch.ts';
import type { TopicInfo } from '../storage/log-manager.ts';
import type { PartitionLog } from '../storage/partition-log.ts';
import type { ApiHandler, BrokerState } from './api-handler.ts';

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
const EMPTY_RECORDS = Buffer.alloc(0);
/**
 * The most one partition contributes to a Fetch response, whatever larger partition_max_bytes the client asks for
 * (the Java consumer's default max.partition.fetch.bytes; @platformatic/kafka asks for its 50 MB response limit).
 * Every fetched byte is read into memory and written out again (there is no sendfile), and a client decodes a
 * partition's records from the chain of socket reads it arrived in: @platformatic/kafka's DynamicBuffer finds an
 * offset by walking that chain from its start, so its cost per record grows with the partition's share of the
 * response. Draining 24 partitions of 4.3 MB took it 1.6-1.8 µs of CPU per record with whole partitions per
 * response and 1.1 µs with 1 MiB each. KIP-74 still holds: a first batch larger than this is returned whole.
 */
const MAX_PARTITION_FETCH_BYTES = 1024 * 1024;

interface PartitionTarget {
  readonly topicIndex: number;
  readonly partitionIndex: number;
  readonly fetchOffset: bigint;
  readonly maxBytes: number;
  readonly log: PartitionLog | undefined;
  readonly errorCode: number;
}

export const fetchHandler: ApiHandler<FetchRequest, FetchResponse> = {
  apiKey: 1,
  minVersion: 0,
  maxVersion: 17,
  async handle(context, request, version) {
    const broker = context.broker;
    if (version >= 7 && (request.sessionId ?? 0) !== 0) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND, sessionId: 0, responses: [] };
    }
    const { topics, targets } = resolveTargets(broker, request, version);
    const responseMaxBytes = version >= 3 ? (request.maxBytes ?? 0x7fffffff) : 0x7fffffff;
    const deadline = Date.now() + Math.max(0, request.maxWaitMs);

    let read = readAll(targets, responseMaxBytes);
    // Kafka's ReplicaManager.fetchMessages responds at once when "bytesReadable >= minBytes" or when reading any
    // partition failed ("errorReadingData"), and only otherwise parks the fetch until max_wait.
    while (read.bytes < request.minBytes && !read.failed && Date.now() < deadline && !broker.closing.aborted) {
      const woken = await waitForData(broker, targets, deadline - Date.now());
      if (!woken) break;
      read = readAll(targets, responseMaxBytes);
    }

    const responses: FetchResponseFetchableTopicResponse[] = topics.map((topic) => ({
      topic: topic.name,
      topicId: topic.topicId,
      partitions: [],
    }));
    targets.forEach((target, index) => {
      responses[target.topicIndex].partitions.push(read.partitions[index]);
    });
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses };
  },
};

function resolveTargets(
  broker: BrokerState,
  request: FetchRequest,
  version: number,
): { topics: { name: string; topicId: string }[]; targets: PartitionTarget[] } {
  const topics: { name: string; topicId: string }[] = [];
  const targets: PartitionTarget[] = [];
  for (const fetchTopic of request.topics) {
    let topic: TopicInfo | undefined;
    let missingCode: number;
    if (version >= 13) {
      topic = broker.logs.getTopicById(fetchTopic.topicId ?? ZERO_UUID);
      missingCode = ErrorCode.UNKNOWN_TOPIC_ID;
    } else {
      topic = broker.logs.getTopic(fetchTopic.topic ?? '');
      missingCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    }
    const topicIndex = topics.length;
    topics.push({
      name: topic?.name ?? fetchTopic.topic ?? '',
      topicId: topic?.topicId ?? fetchTopic.topicId ?? ZERO_UUID,
    });
    for (const partition of fetchTopic.partitions) {
      const log = topic === undefined ? undefined : broker.logs.partition(topic.name, partition.partition);
      targets.push({
        topicIndex,
        partitionIndex: partition.partition,
        fetchOffset: partition.fetchOffset,
        maxBytes: partition.partitionMaxBytes,
        log,
        errorCode:
          log !== undefined ? ErrorCode.NONE : topic === undefined ? missingCode : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      });
    }
  }
  return { topics, targets };
}

function readAll(
  targets: PartitionTarget[],
  responseMaxBytes: number,
): { bytes: number; failed: boolean; partitions: FetchResponsePartitionData[] } {
  let bytes = 0;
  let failed = false;
  const partitions = targets.map((target): FetchResponsePartitionData => {
    const log = target.log;
    if (log === undefined) {
      failed = true;
      return partitionResult(target.partitionIndex, target.errorCode, -1n, -1n, EMPTY_RECORDS);
    }
    const highWatermark = log.highWatermark;
    const budget = Math.min(target.maxBytes, MAX_PARTITION_FETCH_BYTES, responseMaxBytes - bytes);
    // Once one partition has filled the response, the rest are reported without data (KIP-74 only guarantees
    // progress for the first).
    if (budget <= 0 && bytes > 0) {
      return partitionResult(target.partitionIndex, ErrorCode.NONE, highWatermark, log.logStartOffset, EMPTY_RECORDS);
    }
    // Only the first partition with data may return a batch larger than the budget (KIP-74; Kafka's
    // ReplicaManager.readFromLog drops `minOneMessage` once a partition returned data): a later partition whose first
    // batch does not fit in what is left returns nothing this time, and the log does not even read it.
    const result = log.read(target.fetchOffset, Math.max(budget, 1), highWatermark, bytes === 0);
    if (result.errorCode !== ErrorCode.NONE) failed = true;
    bytes += result.records.length;
    return partitionResult(target.partitionIndex, result.errorCode, highWatermark, log.logStartOffset, result.records);
  });
  return { bytes, failed, partitions };
}

function partitionResult(
  partitionIndex: number,
  errorCode: number,
  highWatermark: bigint,
  logStartOffset: bigint,
  records: Buffer,
): FetchResponsePartitionData {
  return {
    partitionIndex,
    errorCode,
    highWatermark,
    lastStableOffset: highWatermark,
    logStartOffset,
    abortedTransactions: [],
    preferredReadReplica: -1,
    records,
  };
}

/** Resolves true when any requested partition's high watermark moves, false on timeout or broker shutdown. */
function waitForData(broker: BrokerState, targets: PartitionTarget[], timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const unsubscribes: (() => void)[] = [];
    let settled = false;
    const settle = (woken: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      broker.closing.removeEventListener('abort', onClose);
      for (const unsubscribe of unsubscribes) unsubscribe();
      resolve(woken);
    };
    const onClose = () => settle(false);
    const timer = setTimeout(() => settle(false), timeoutMs);
    broker.closing.addEventListener('abort', onClose);
    const seen = new Set<PartitionLog>();
    for (const target of targets) {
      if (target.log === undefined || seen.has(target.log)) continue;
      seen.add(target.log);
      unsubscribes.push(target.log.onHighWatermarkAdvance(() => settle(true)));
    }
  });
}
