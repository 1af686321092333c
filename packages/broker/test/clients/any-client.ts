// The five independent clients the interop tests write and read with, behind one call each, so every test produces
// and reads the same way.
import { type KcatRecord, kcatProduce, kcatRead, pythonProduce, pythonRead } from './client-processes.ts';
import {
  type Acknowledgement,
  type Codec,
  kafkajsProduce,
  kafkajsRead,
  platformaticProduce,
  platformaticRead,
  type RecordToProduce,
  type WireRecord,
} from './node-clients.ts';

export const CLIENTS = ['kafkajs', 'platformatic', 'kcat', 'kafka-python', 'confluent-kafka'] as const;
export type Client = (typeof CLIENTS)[number];

/**
 * Produces `records` in order with `client`, each partition's records as one batch compressed with `codec`. kafkajs
 * has only gzip built in, so it compresses with gzip whatever other codec is asked. kcat reports no offsets: its
 * result is undefined.
 */
export async function produceWith(
  client: Client,
  bootstrap: string,
  topic: string,
  records: readonly RecordToProduce[],
  codec: Codec = 'none',
): Promise<Acknowledgement[] | undefined> {
  switch (client) {
    case 'kafkajs':
      return kafkajsProduce(bootstrap, topic, records, codec === 'none' ? 'none' : 'gzip');
    case 'platformatic':
      return platformaticProduce(bootstrap, topic, records, { codec });
    case 'kcat':
      await kcatProduce(bootstrap, topic, records, codec);
      return undefined;
    default:
      return pythonProduce(client, bootstrap, topic, records, codec === 'none' ? [] : ['--compression', codec]);
  }
}

/**
 * Reads `count` records of `topic` from the beginning with `client`, in a group of its own that commits nothing.
 * kcat reads to the end of every partition whatever `count`, and prints keys and values as text: bytes that are not
 * UTF-8 do not come back as written (compare those with kcatRead's text instead).
 */
export async function readWith(client: Client, bootstrap: string, topic: string, count: number): Promise<WireRecord[]> {
  switch (client) {
    case 'kafkajs':
      return kafkajsRead(bootstrap, topic, count);
    case 'platformatic':
      return platformaticRead(bootstrap, [topic], count);
    case 'kcat':
      return (await kcatRead(bootstrap, topic)).map(wireRecordOfKcat);
    default:
      return pythonRead(client, bootstrap, topic, count);
  }
}

const hexOfText = (text: string | null) => (text === null ? null : Buffer.from(text, 'utf8').toString('hex'));

function wireRecordOfKcat(record: KcatRecord): WireRecord {
  const flat = record.headers ?? [];
  const headers: [string, string | null][] = [];
  for (let index = 0; index < flat.length; index += 2) headers.push([flat[index]!, hexOfText(flat[index + 1])]);
  return {
    partition: record.partition,
    offset: record.offset,
    key: hexOfText(record.key),
    value: hexOfText(record.payload),
    headers,
  };
}
