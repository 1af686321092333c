// The two Node clients (kafkajs and @platformatic/kafka) behind the same small interface as the Python helpers and
// kcat: produce a list of records to given partitions, read a number of records back, all records in one plain
// shape (WireRecord, bytes as hex) so that what one client wrote can be compared with what another read.
import { randomUUID } from 'node:crypto';
import { type CompressionAlgorithmValue, Consumer, type Message, Producer } from '@platformatic/kafka';
import { CompressionTypes, type IHeaders, Kafka, logLevel } from 'kafkajs';

/** A record to write to `partition`: key, value and header values hex-encoded, null key or value kept as null. */
export interface RecordToProduce {
  readonly partition: number;
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: readonly (readonly [string, string])[];
}

/** A record as every client helper prints it; a header value may come back null. */
export interface WireRecord {
  readonly partition: number;
  readonly offset: number;
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: readonly (readonly [string, string | null])[];
}

export interface Acknowledgement {
  readonly partition: number;
  readonly offset: number;
}

export type Codec = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

const hex = (bytes: Buffer | null | undefined): string | null =>
  bytes === null || bytes === undefined ? null : bytes.toString('hex');
const bytesOf = (value: string | null): Buffer | null => (value === null ? null : Buffer.from(value, 'hex'));

export function kafkajsClient(bootstrap: string, clientId = 'kafkajs-client'): Kafka {
  return new Kafka({ brokers: [bootstrap], clientId, logLevel: logLevel.NOTHING });
}

export async function kafkajsProduce(
  bootstrap: string,
  topic: string,
  records: readonly RecordToProduce[],
  codec: 'none' | 'gzip' = 'none',
): Promise<Acknowledgement[]> {
  const producer = kafkajsClient(bootstrap, 'kafkajs-producer').producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const acknowledgements: Acknowledgement[] = [];
    // One send per partition, so each partition's records form one batch (compressed as a whole when asked).
    for (const [partition, batch] of byPartition(records)) {
      const [result] = await producer.send({
        topic,
        acks: -1,
        compression: codec === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
        messages: batch.map((record) => ({
          partition,
          key: bytesOf(record.key),
          value: bytesOf(record.value),
          headers: Object.fromEntries(record.headers.map(([name, value]) => [name, Buffer.from(value, 'hex')])),
        })),
      });
      const base = Number(result.baseOffset);
      for (let index = 0; index < batch.length; index++) acknowledgements.push({ partition, offset: base + index });
    }
    return acknowledgements;
  } finally {
    await producer.disconnect();
  }
}

/** Reads `count` records of `topic` from the beginning, in a group of its own that commits nothing. */
export async function kafkajsRead(
  bootstrap: string,
  topic: string,
  count: number,
  timeoutMs = 30_000,
): Promise<WireRecord[]> {
  const consumer = kafkajsClient(bootstrap, 'kafkajs-reader').consumer({
    groupId: `kafkajs-reader-${randomUUID()}`,
    maxWaitTimeInMs: 100,
  });
  const records: WireRecord[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`kafkajs read ${records.length} of ${count} records of ${topic} in ${timeoutMs} ms`)),
        timeoutMs,
      );
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            records.push({
              partition,
              offset: Number(message.offset),
              key: hex(message.key),
              value: hex(message.value),
              headers: kafkajsHeaders(message.headers),
            });
            if (records.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return records;
}

function kafkajsHeaders(headers: IHeaders | undefined): [string, string | null][] {
  const entries: [string, string | null][] = [];
  for (const [name, value] of Object.entries(headers ?? {})) {
    // kafkajs turns repeated header names into an array of their values.
    for (const one of Array.isArray(value) ? value : [value]) {
      entries.push([name, one === undefined ? null : hex(Buffer.from(one))]);
    }
  }
  return entries;
}

export async function platformaticProduce(
  bootstrap: string,
  topic: string,
  records: readonly RecordToProduce[],
  options: { codec?: Codec; idempotent?: boolean } = {},
): Promise<Acknowledgement[]> {
  const producer = new Producer({
    clientId: 'platformatic-producer',
    bootstrapBrokers: [bootstrap],
    acks: -1,
    idempotent: options.idempotent ?? false,
    autocreateTopics: false,
  });
  try {
    const acknowledgements: Acknowledgement[] = [];
    for (const [partition, batch] of byPartition(records)) {
      const result = await producer.send({
        compression: (options.codec ?? 'none') as CompressionAlgorithmValue,
        messages: batch.map((record) => ({
          topic,
          partition,
          key: bytesOf(record.key) ?? undefined,
          value: bytesOf(record.value) ?? undefined,
          headers: new Map(record.headers.map(([name, value]) => [Buffer.from(name), Buffer.from(value, 'hex')])),
        })),
      });
      const base = result.offsets?.find((entry) => entry.partition === partition)?.offset;
      if (base === undefined) throw new Error(`@platformatic/kafka reported no offset for partition ${partition}`);
      for (let index = 0; index < batch.length; index++) {
        acknowledgements.push({ partition, offset: Number(base) + index });
      }
    }
    return acknowledgements;
  } finally {
    await producer.close();
  }
}

/** Reads `count` records of `topics` from the beginning, in a group of its own that commits nothing. */
export async function platformaticRead(
  bootstrap: string,
  topics: readonly string[],
  count: number,
  timeoutMs = 30_000,
): Promise<(WireRecord & { topic: string })[]> {
  const consumer = new Consumer({
    clientId: 'platformatic-reader',
    bootstrapBrokers: [bootstrap],
    groupId: `platformatic-reader-${randomUUID()}`,
    maxWaitTime: 100,
  });
  const records: (WireRecord & { topic: string })[] = [];
  try {
    const stream = await consumer.consume({ topics: [...topics], mode: 'earliest', autocommit: false });
    const timer = setTimeout(
      () =>
        stream.destroy(
          new Error(
            `platformatic read ${records.length} of ${count} records of ${topics.join(',')} in ${timeoutMs} ms`,
          ),
        ),
      timeoutMs,
    );
    try {
      for await (const message of stream as AsyncIterable<Message>) {
        records.push({
          topic: message.topic,
          partition: message.partition,
          offset: Number(message.offset),
          key: hex(message.key),
          value: hex(message.value),
          headers: message.headerEntries.map(([name, value]) => [name.toString(), hex(value)] as const),
        });
        if (records.length >= count) break;
      }
    } finally {
      clearTimeout(timer);
      await stream.close();
    }
  } finally {
    await consumer.close(true);
  }
  return records;
}

function byPartition(records: readonly RecordToProduce[]): Map<number, RecordToProduce[]> {
  const groups = new Map<number, RecordToProduce[]>();
  for (const record of records) {
    const group = groups.get(record.partition) ?? [];
    group.push(record);
    groups.set(record.partition, group);
  }
  return groups;
}

/**
 * Reads exactly `count` records of `topic` as a member of `groupId`, starting from the group's committed offsets
 * (the earliest offset where it has none), commits the offset after the last record read of each partition, and
 * leaves the group.
 */
export async function platformaticConsumeAndCommit(
  bootstrap: string,
  topic: string,
  groupId: string,
  count: number,
  timeoutMs = 30_000,
): Promise<WireRecord[]> {
  const consumer = new Consumer({
    clientId: 'platformatic-group-member',
    bootstrapBrokers: [bootstrap],
    groupId,
    maxWaitTime: 100,
    sessionTimeout: 10_000,
    heartbeatInterval: 500,
  });
  const records: WireRecord[] = [];
  const last = new Map<number, Message>();
  try {
    const stream = await consumer.consume({
      topics: [topic],
      mode: 'committed',
      fallbackMode: 'earliest',
      autocommit: false,
    });
    const timer = setTimeout(
      () =>
        stream.destroy(
          new Error(`platformatic read ${records.length} of ${count} records of ${topic} in ${timeoutMs} ms`),
        ),
      timeoutMs,
    );
    try {
      for await (const message of stream as AsyncIterable<Message>) {
        records.push({
          partition: message.partition,
          offset: Number(message.offset),
          key: hex(message.key),
          value: hex(message.value),
          headers: message.headerEntries.map(([name, value]) => [name.toString(), hex(value)] as const),
        });
        last.set(message.partition, message);
        if (records.length >= count) break;
      }
    } finally {
      clearTimeout(timer);
    }
    await consumer.commit({
      offsets: [...last.values()].map((message) => ({
        topic,
        partition: message.partition,
        offset: message.offset + 1n,
        leaderEpoch: message.leaderEpoch,
      })),
    });
    await stream.close();
  } finally {
    await consumer.close(true);
  }
  return records;
}
