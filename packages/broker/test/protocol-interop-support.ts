// Shared by the client interop tests: the two clients' protocol modules by API and version (kafkajs' request
// encoders and response decoders, @platformatic/kafka's API modules), and one record batch encoded by a client.
import { createRequire } from 'node:module';
import * as platformatic from '@platformatic/kafka';
import { Writer } from '../src/protocol/writer.ts';

export const require = createRequire(import.meta.url);

/** A kafkajs protocol module: `protocol({ version })(args)` gives the request encoder and the response decoder. */
export interface KafkajsApi {
  protocol(options: { version: number }): (args: Record<string, unknown>) => {
    request: { apiKey: number; apiVersion: number; encode(): Promise<{ buffer: Buffer }> };
    response: { decode(body: Buffer): Promise<Record<string, unknown>> };
  };
}

export function kafkajs(api: string): KafkajsApi {
  return require(`kafkajs/src/protocol/requests/${api}/index.js`) as KafkajsApi;
}

/** Parses a response body with a @platformatic/kafka API module's own parser. */
export function platformaticParse<T>(
  api: { api: { key: number; version: number }; parseResponse(...args: never[]): T },
  body: Buffer,
): T {
  const parse = api.parseResponse as unknown as (c: number, k: number, v: number, r: platformatic.Reader) => T;
  return parse(1, api.api.key, api.api.version, platformatic.Reader.from(body));
}

export function encoded(encode: (writer: Writer) => void): Buffer {
  const writer = new Writer();
  encode(writer);
  return writer.toBuffer();
}

// @platformatic/kafka API modules by version. Their types differ a little between versions; the tests read only the
// fields every listed version has, so each table is typed as its newest version.
function byVersion<T>(api: string, versions: readonly number[]): Record<number, T> {
  const modules = platformatic as unknown as Record<string, T>;
  return Object.fromEntries(versions.map((version) => [version, modules[`${api}V${version}`]]));
}

export const platformaticProduce = byVersion<typeof platformatic.produceV11>('produce', [3, 5, 7, 8, 9, 10, 11]);
export const platformaticFetch = byVersion<typeof platformatic.fetchV17>('fetch', [4, 7, 11, 12, 13, 16, 17]);
export const platformaticMetadata = byVersion<typeof platformatic.metadataV12>('metadata', [0, 1, 4, 7, 9, 10, 12]);
export const platformaticJoinGroup = byVersion<typeof platformatic.joinGroupV9>('joinGroup', [0, 2, 5, 6, 7, 9]);

export const TOPIC_ID = '6f3c2b9a-1d4e-4f5a-8b7c-0123456789ab';
export const recordBatch = platformatic.createRecordsBatch([
  { topic: 'orders', key: Buffer.from('order-1'), value: Buffer.from('{"total":42}') },
]).buffer;

/** The values of the records in a record-batch byte string, as @platformatic/kafka reads them. */
export function recordValues(records: Buffer): string[] {
  return platformatic
    .readRecordsBatches(platformatic.Reader.from(records))
    .flatMap((batch) => batch.records.map((record) => String(record.value)));
}
