// A raw Kafka protocol connection for the tests that must see what a client library hides: when a response arrives,
// in which order, or that none does. Requests are encoded with the broker's generated codecs and written as they are
// (several at once when a test pipelines them); every response is kept in arrival order and decoded with the API and
// version of the request whose correlation id it carries.
import { connect, type Socket } from 'node:net';
import type { ApiVersionsRequest, ApiVersionsResponse } from '../src/protocol/generated/api-versions.ts';
import type { CreateTopicsRequest, CreateTopicsResponse } from '../src/protocol/generated/create-topics.ts';
import type { FetchRequest, FetchResponse, FetchResponsePartitionData } from '../src/protocol/generated/fetch.ts';
import { apiDescriptors } from '../src/protocol/generated/index.ts';
import type { ListOffsetsRequest, ListOffsetsResponse } from '../src/protocol/generated/list-offsets.ts';
import type { MetadataRequest, MetadataResponse } from '../src/protocol/generated/metadata.ts';
import type { ProduceRequest, ProduceResponse } from '../src/protocol/generated/produce.ts';
import { encodeRequestHeader } from '../src/protocol/generated/request-header.ts';
import { decodeResponseHeader } from '../src/protocol/generated/response-header.ts';
import { Reader } from '../src/protocol/reader.ts';
import { Writer } from '../src/protocol/writer.ts';

export const ApiKey = {
  PRODUCE: 0,
  FETCH: 1,
  LIST_OFFSETS: 2,
  METADATA: 3,
  API_VERSIONS: 18,
  CREATE_TOPICS: 19,
} as const;

/** Request and response types of the APIs these tests speak, by API key. */
export interface Apis {
  0: [ProduceRequest, ProduceResponse];
  1: [FetchRequest, FetchResponse];
  2: [ListOffsetsRequest, ListOffsetsResponse];
  3: [MetadataRequest, MetadataResponse];
  18: [ApiVersionsRequest, ApiVersionsResponse];
  19: [CreateTopicsRequest, CreateTopicsResponse];
}

export interface WireResponse<Body = unknown> {
  readonly correlationId: number;
  readonly apiKey: number;
  readonly version: number;
  readonly body: Body;
  /** performance.now() when the whole response had arrived. */
  readonly receivedAt: number;
}

export interface EncodedRequest {
  readonly correlationId: number;
  /** The frame: size prefix, request header, body. */
  readonly bytes: Buffer;
}

export class ConnectionClosedError extends Error {
  constructor() {
    super('the broker closed the connection');
  }
}

export class WireClient {
  /** Every response received so far, in arrival order. */
  readonly received: WireResponse[] = [];
  /** Resolves when the connection has closed, from either side. */
  readonly closed: Promise<void>;
  readonly #socket: Socket;
  readonly #sent = new Map<number, { apiKey: number; version: number }>();
  readonly #byCorrelationId = new Map<number, WireResponse>();
  readonly #waiters = new Map<number, { resolve(response: WireResponse): void; reject(error: Error): void }>();
  #nextWaiter: { resolve(response: WireResponse): void; reject(error: Error): void } | undefined;
  readonly #claimed = new Set<number>();
  /** received[#cursor] is the first response next() has not looked at. */
  #cursor = 0;
  #nextCorrelationId: number;
  #pending: Buffer = Buffer.alloc(0);
  #isClosed = false;

  private constructor(socket: Socket, firstCorrelationId: number) {
    this.#socket = socket;
    this.#nextCorrelationId = firstCorrelationId;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => {
      socket.once('close', () => {
        this.#isClosed = true;
        const error = new ConnectionClosedError();
        for (const waiter of this.#waiters.values()) waiter.reject(error);
        this.#waiters.clear();
        this.#nextWaiter?.reject(error);
        this.#nextWaiter = undefined;
        resolve();
      });
    });
  }

  /** Connects to the broker on loopback; correlation ids count up from `firstCorrelationId`. */
  static connect(port: number, firstCorrelationId = 1): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host: '127.0.0.1', noDelay: true }, () => {
        socket.off('error', reject);
        resolve(new WireClient(socket, firstCorrelationId));
      });
      socket.once('error', reject);
    });
  }

  get isClosed(): boolean {
    return this.#isClosed;
  }

  /** Encodes a request without sending it, taking the next correlation id. */
  encode<K extends keyof Apis>(apiKey: K, version: number, request: Apis[K][0]): EncodedRequest {
    const api = apiDescriptors.get(apiKey);
    if (api === undefined) throw new Error(`no codec for API ${apiKey}`);
    const correlationId = this.#nextCorrelationId++;
    const writer = new Writer();
    writer.writeInt32(0);
    encodeRequestHeader(writer, api.requestHeaderVersion(version), {
      requestApiKey: apiKey,
      requestApiVersion: version,
      correlationId,
      clientId: 'wire-test',
    });
    api.encodeRequest(writer, version, request);
    const bytes = writer.toBuffer();
    bytes.writeInt32BE(bytes.length - 4, 0);
    this.#sent.set(correlationId, { apiKey, version });
    return { correlationId, bytes };
  }

  /** Writes bytes as they are: several encoded requests concatenated are pipelined in one write. */
  write(bytes: Buffer): void {
    this.#socket.write(bytes);
  }

  /** Encodes and writes a request; returns its correlation id. */
  send<K extends keyof Apis>(apiKey: K, version: number, request: Apis[K][0]): number {
    const encoded = this.encode(apiKey, version, request);
    this.write(encoded.bytes);
    return encoded.correlationId;
  }

  /** The response to the request with this correlation id, whenever it arrives; next() then skips it. */
  response<K extends keyof Apis>(_apiKey: K, correlationId: number): Promise<WireResponse<Apis[K][1]>> {
    this.#claimed.add(correlationId);
    const arrived = this.#byCorrelationId.get(correlationId);
    if (arrived !== undefined) return Promise.resolve(arrived as WireResponse<Apis[K][1]>);
    if (this.#isClosed) return Promise.reject(new ConnectionClosedError());
    return new Promise((resolve, reject) => {
      this.#waiters.set(correlationId, { resolve: resolve as (response: WireResponse) => void, reject });
    });
  }

  /** The next response in arrival order that neither next() nor response() has returned. */
  next(): Promise<WireResponse> {
    while (this.#cursor < this.received.length) {
      const response = this.received[this.#cursor++];
      if (!this.#claimed.has(response.correlationId)) {
        this.#claimed.add(response.correlationId);
        return Promise.resolve(response);
      }
    }
    if (this.#isClosed) return Promise.reject(new ConnectionClosedError());
    return new Promise((resolve, reject) => {
      this.#nextWaiter = { resolve, reject };
    });
  }

  /** Sends a request and returns its decoded response body. */
  async request<K extends keyof Apis>(apiKey: K, version: number, request: Apis[K][0]): Promise<Apis[K][1]> {
    const correlationId = this.send(apiKey, version, request);
    return (await this.response(apiKey, correlationId)).body;
  }

  close(): Promise<void> {
    this.#socket.destroy();
    return this.closed;
  }

  #onData(chunk: Buffer): void {
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    while (this.#pending.length >= 4) {
      const size = this.#pending.readInt32BE(0);
      if (this.#pending.length < 4 + size) break;
      const frame = this.#pending.subarray(4, 4 + size);
      this.#pending = this.#pending.subarray(4 + size);
      this.#deliver(this.#decode(frame));
    }
  }

  #decode(frame: Buffer): WireResponse {
    const correlationId = frame.readInt32BE(0);
    const request = this.#sent.get(correlationId);
    if (request === undefined) throw new Error(`a response to correlation id ${correlationId}, which was never sent`);
    const api = apiDescriptors.get(request.apiKey)!;
    const reader = new Reader(frame);
    decodeResponseHeader(reader, api.responseHeaderVersion(request.version));
    const body = api.decodeResponse(reader, request.version);
    if (reader.remaining !== 0) throw new Error(`${reader.remaining} bytes left after a ${api.name} response`);
    return { correlationId, apiKey: request.apiKey, version: request.version, body, receivedAt: performance.now() };
  }

  #deliver(response: WireResponse): void {
    this.received.push(response);
    this.#byCorrelationId.set(response.correlationId, response);
    const waiter = this.#waiters.get(response.correlationId);
    if (waiter !== undefined) {
      this.#waiters.delete(response.correlationId);
      waiter.resolve(response);
      return;
    }
    const next = this.#nextWaiter;
    if (next !== undefined && !this.#claimed.has(response.correlationId)) {
      this.#nextWaiter = undefined;
      this.#claimed.add(response.correlationId);
      this.#cursor = this.received.length;
      next.resolve(response);
    }
  }
}

/** Fetch request fields every test leaves at the consumer's values. */
export function fetchRequest(
  topics: FetchRequest['topics'],
  options: { maxWaitMs?: number; minBytes?: number; maxBytes?: number } = {},
): FetchRequest {
  return {
    replicaId: -1,
    maxWaitMs: options.maxWaitMs ?? 0,
    minBytes: options.minBytes ?? 1,
    maxBytes: options.maxBytes ?? 0x7fffffff,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics,
    forgottenTopicsData: [],
    rackId: '',
  };
}

/** A Produce request of one record blob per partition. */
export function produceRequest(
  topic: string,
  partitions: { index: number; records: Buffer }[],
  acks = -1,
  timeoutMs = 30_000,
): ProduceRequest {
  return { transactionalId: null, acks, timeoutMs, topicData: [{ name: topic, partitionData: partitions }] };
}

/** Creates a topic through CreateTopics v7; fails the test unless it was created. */
export async function createTopic(
  client: WireClient,
  name: string,
  partitions: number,
  configs: Record<string, string> = {},
): Promise<void> {
  const response = await client.request(ApiKey.CREATE_TOPICS, 7, {
    topics: [
      {
        name,
        numPartitions: partitions,
        replicationFactor: 1,
        assignments: [],
        configs: Object.entries(configs).map(([key, value]) => ({ name: key, value })),
      },
    ],
    timeoutMs: 30_000,
    validateOnly: false,
  });
  const [result] = response.topics;
  if (result?.errorCode !== 0) {
    throw new Error(`creating ${name} failed with error ${result?.errorCode}: ${result?.errorMessage}`);
  }
}

/** A partition's high watermark through ListOffsets (timestamp -1, latest). */
export async function endOffset(client: WireClient, topic: string, partition: number): Promise<bigint> {
  const response = await client.request(ApiKey.LIST_OFFSETS, 7, {
    replicaId: -1,
    isolationLevel: 0,
    topics: [{ name: topic, partitions: [{ partitionIndex: partition, currentLeaderEpoch: -1, timestamp: -1n }] }],
  });
  const result = response.topics[0].partitions[0];
  if (result.errorCode !== 0) throw new Error(`ListOffsets of ${topic}-${partition} failed: ${result.errorCode}`);
  return result.offset!;
}

/** One partition's part of a Fetch v12 response (the last version naming topics). */
export async function fetchPartition(
  client: WireClient,
  topic: string,
  partition: number,
  fetchOffset: bigint,
  options: { maxWaitMs?: number; minBytes?: number; maxBytes?: number; partitionMaxBytes?: number } = {},
): Promise<FetchResponsePartitionData> {
  const response = await client.request(
    ApiKey.FETCH,
    12,
    fetchRequest(
      [
        {
          topic,
          partitions: [
            {
              partition,
              currentLeaderEpoch: -1,
              fetchOffset,
              lastFetchedEpoch: -1,
              logStartOffset: -1n,
              partitionMaxBytes: options.partitionMaxBytes ?? 1024 * 1024,
            },
          ],
        },
      ],
      options,
    ),
  );
  return response.responses[0].partitions[0];
}
