// A TCP proxy between Kafka clients and the broker that can lose a Produce response: the request reaches the broker
// (which appends the batch and answers), but the answer never reaches the client, whose connection is cut instead.
// That is the failure an idempotent producer exists for: the client cannot tell whether the batch was written, so it
// sends it again. The proxy decodes (with the broker's own codecs) but never alters what passes through, and records
// the idempotence fields of every batch it forwards, so a test can show the retry was the same batch.
// The broker must advertise the proxy's port (advertisedPort), or clients would leave the proxy after bootstrapping.
import { once } from 'node:events';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { apiDescriptors } from '../../src/protocol/generated/index.ts';
import type { ProduceRequest } from '../../src/protocol/generated/produce.ts';
import { decodeRequestHeader } from '../../src/protocol/generated/request-header.ts';
import { Reader } from '../../src/protocol/reader.ts';
import { readRecordBatchHeader, recordBatchSize } from '../../src/record-batch/record-batch.ts';

const PRODUCE = 0;
const SIZE_PREFIX_BYTES = 4;

/** One record batch of a Produce request that went through the proxy. */
export interface ForwardedBatch {
  readonly connection: number;
  readonly topic: string;
  readonly partition: number;
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly recordCount: number;
  /** Whether the broker's answer to the request carrying this batch was dropped. */
  responseDropped: boolean;
}

export class DroppingProxy {
  readonly forwarded: ForwardedBatch[] = [];
  /** How many Produce responses were dropped (each one cut its client's connection). */
  droppedResponses = 0;
  connections = 0;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #targetPort = 0;
  #dropsLeft = 0;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(): Promise<DroppingProxy> {
    let proxy: DroppingProxy | undefined;
    const server = createServer((client) => proxy!.#accept(client));
    proxy = new DroppingProxy(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return proxy;
  }

  get port(): number {
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error('the proxy is not listening');
    return address.port;
  }

  /** Where connections go; set once the broker (advertising this proxy's port) has started. */
  forwardTo(port: number): void {
    this.#targetPort = port;
  }

  /** Drops the answers to the next `count` Produce requests that expect one (acks 1 or -1). */
  dropProduceResponses(count: number): void {
    this.#dropsLeft = count;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    this.#server.close();
    await once(this.#server, 'close');
  }

  #accept(client: Socket): void {
    const id = ++this.connections;
    const broker = createConnection({ host: '127.0.0.1', port: this.#targetPort });
    this.#sockets.add(client);
    this.#sockets.add(broker);
    const cut = () => {
      client.destroy();
      broker.destroy();
      this.#sockets.delete(client);
      this.#sockets.delete(broker);
    };
    client.on('error', cut).on('close', cut);
    broker.on('error', cut).on('close', cut);
    /** Correlation ids of this connection's requests whose answers are dropped, with their batches. */
    const dropping = new Map<number, ForwardedBatch[]>();

    onFrames(client, (frame, raw) => {
      const apiKey = frame.readInt16BE(0);
      const correlationId = frame.readInt32BE(4);
      if (apiKey === PRODUCE) {
        const batches = this.#recordBatches(id, frame);
        const acks = batches.request.acks;
        if (acks !== 0 && this.#dropsLeft > 0) {
          this.#dropsLeft--;
          dropping.set(correlationId, batches.batches);
        }
      }
      broker.write(raw);
    });
    onFrames(broker, (frame, raw) => {
      const correlationId = frame.readInt32BE(0);
      const dropped = dropping.get(correlationId);
      if (dropped !== undefined) {
        // The broker has written the batch and said so; the client must not hear it.
        for (const batch of dropped) batch.responseDropped = true;
        this.droppedResponses++;
        cut();
        return;
      }
      client.write(raw);
    });
  }

  #recordBatches(connection: number, frame: Buffer): { request: ProduceRequest; batches: ForwardedBatch[] } {
    const version = frame.readInt16BE(2);
    const descriptor = apiDescriptors.get(PRODUCE)!;
    const reader = new Reader(frame);
    decodeRequestHeader(reader, descriptor.requestHeaderVersion(version));
    const request = descriptor.decodeRequest(reader, version) as ProduceRequest;
    const batches: ForwardedBatch[] = [];
    for (const topic of request.topicData) {
      for (const partition of topic.partitionData) {
        const records = partition.records;
        for (let position = 0; records !== null && position < records.length;) {
          const header = readRecordBatchHeader(records, position);
          const batch: ForwardedBatch = {
            connection,
            topic: topic.name,
            partition: partition.index,
            producerId: header.producerId,
            producerEpoch: header.producerEpoch,
            baseSequence: header.baseSequence,
            recordCount: header.recordCount,
            responseDropped: false,
          };
          batches.push(batch);
          this.forwarded.push(batch);
          position += recordBatchSize(records, position);
        }
      }
    }
    return { request, batches };
  }
}

/** Calls `onFrame` with each complete size-prefixed frame (without and with its size prefix), in order. */
function onFrames(socket: Socket, onFrame: (frame: Buffer, raw: Buffer) => void): void {
  let pending: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= SIZE_PREFIX_BYTES) {
      const size = pending.readInt32BE(0);
      if (pending.length < SIZE_PREFIX_BYTES + size) break;
      const raw = pending.subarray(0, SIZE_PREFIX_BYTES + size);
      pending = pending.subarray(SIZE_PREFIX_BYTES + size);
      onFrame(raw.subarray(SIZE_PREFIX_BYTES), raw);
      if (socket.destroyed) return;
    }
  });
}
