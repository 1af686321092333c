// The five independent clients the interop tests write with, behind one call, so every test produces the same way.
import { kcatProduce, pythonProduce } from './client-processes.ts';
import {
  type Acknowledgement,
  type Codec,
  kafkajsProduce,
  platformaticProduce,
  type RecordToProduce,
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
