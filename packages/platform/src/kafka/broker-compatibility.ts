// Whether the broker serves the API versions @platformatic/kafka 2.x relies on, asked with ApiVersions (key 18) when a
// consumer starts or reopens its stream. The client negotiates the highest version both sides know, but parts of it
// only work from a certain version on: its fetch loop addresses topics by ID (KIP-516) and matches Fetch responses
// by topic ID, which Fetch carries from v13 and Metadata from v10; against a broker that stops below that (Kafka 2.x,
// librdkafka's mock cluster) the consumer loops on TypeErrors instead of failing. The client's own supported range
// is Apache Kafka 3.5 and later, so that is what a refusal asks for.
import { Base } from '@platformatic/kafka';
import type { Logger } from 'pino';
import { type AppError, PlatformErrors } from '../errors.ts';
import { clientOptions, type KafkaConnection } from './kafka-connection.ts';

export const SUPPORTED_KAFKA = 'Apache Kafka 3.5 or later';

export interface RequiredApi {
  readonly name: string;
  readonly apiKey: number;
  /** The broker must advertise at least this version (its maxVersion at least this). */
  readonly minVersion: number;
}

/**
 * The APIs the services' producers and consumers send, each with the lowest version the client works with: the
 * lowest it has an implementation of, unless a feature it relies on came later. Apache Kafka 3.5 advertises all of
 * them at or above these versions.
 */
export const REQUIRED_BROKER_APIS: readonly RequiredApi[] = Object.freeze([
  // The client implements Produce from v3 (record batches v2, KIP-98) on.
  { name: 'Produce', apiKey: 0, minVersion: 3 },
  // Topic IDs in requests and responses (KIP-516): the client's fetch loop depends on them.
  { name: 'Fetch', apiKey: 1, minVersion: 13 },
  { name: 'ListOffsets', apiKey: 2, minVersion: 0 },
  // Topic IDs in metadata (KIP-516), which the Fetch requests above are addressed by.
  { name: 'Metadata', apiKey: 3, minVersion: 10 },
  { name: 'OffsetCommit', apiKey: 8, minVersion: 0 },
  { name: 'OffsetFetch', apiKey: 9, minVersion: 0 },
  { name: 'FindCoordinator', apiKey: 10, minVersion: 0 },
  { name: 'JoinGroup', apiKey: 11, minVersion: 0 },
  { name: 'Heartbeat', apiKey: 12, minVersion: 0 },
  { name: 'LeaveGroup', apiKey: 13, minVersion: 0 },
  { name: 'SyncGroup', apiKey: 14, minVersion: 0 },
  // Idempotent producers (KIP-98).
  { name: 'InitProducerId', apiKey: 22, minVersion: 0 },
]);

export interface AdvertisedApi {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
}

export interface MissingApi extends RequiredApi {
  /** The highest version the broker offers, undefined when it does not offer the API at all. */
  readonly advertisedMaxVersion: number | undefined;
}

/** The required APIs the broker does not serve at the version the client needs; empty when it serves them all. */
export function missingBrokerApis(advertised: readonly AdvertisedApi[]): MissingApi[] {
  const byKey = new Map(advertised.map((api) => [api.apiKey, api]));
  return REQUIRED_BROKER_APIS.flatMap((required) => {
    const offered = byKey.get(required.apiKey);
    if (offered !== undefined && offered.maxVersion >= required.minVersion) return [];
    return [{ ...required, advertisedMaxVersion: offered?.maxVersion }];
  });
}

/** "Fetch v13+ (broker offers up to v11), InitProducerId (broker does not offer it)". */
export function describeMissingApis(missing: readonly MissingApi[]): string {
  return missing
    .map(({ name, minVersion, advertisedMaxVersion }) =>
      advertisedMaxVersion === undefined
        ? `${name} v${minVersion}+ (broker does not offer it)`
        : `${name} v${minVersion}+ (broker offers up to v${advertisedMaxVersion})`,
    )
    .join(', ');
}

/** Anything that can ask the cluster for its ApiVersions: every @platformatic/kafka client can. */
export interface ApiVersionsSource {
  listApis(): Promise<readonly AdvertisedApi[]>;
}

/**
 * Asks with a client of its own, closed at once: a request added to a consumer's client would share its
 * connections and their failure handling while the broker goes away and comes back. Fails fast (no client retries):
 * the caller retries with its own backoff.
 */
export function apiVersionsOf(connection: KafkaConnection): ApiVersionsSource {
  return {
    async listApis() {
      const client = new Base({ ...clientOptions(connection), retries: 0 });
      try {
        return await client.listApis();
      } finally {
        await client.close().catch(() => undefined);
      }
    },
  };
}

export interface BrokerCompatibility {
  /**
   * Asks the broker for its API versions and rejects with KAFKA_BROKER_UNSUPPORTED when it lacks one the client
   * needs. A failure to ask (the broker is down) rejects with that error and leaves the last verdict as it was.
   */
  verify(source: ApiVersionsSource): Promise<void>;
  /** The KAFKA_BROKER_UNSUPPORTED error of the last verdict, undefined while the broker was found compatible. */
  problem(): AppError | undefined;
}

/**
 * Keeps the last verdict for readiness and logs a change of it once: a service retrying its consumer every few
 * seconds against an old broker says what is missing one time, not on every attempt.
 */
export function createBrokerCompatibility(options: { readonly log: Logger }): BrokerCompatibility {
  const { log } = options;
  let current: AppError | undefined;
  return {
    async verify(source) {
      const missing = missingBrokerApis(await source.listApis());
      if (missing.length === 0) {
        if (current !== undefined) log.info('kafka broker now serves every API version the client needs');
        current = undefined;
        return;
      }
      const detail = `Kafka broker lacks ${describeMissingApis(missing)}; ${SUPPORTED_KAFKA} is required`;
      if (current?.detail !== detail) {
        log.error({ code: 'KAFKA_BROKER_UNSUPPORTED', missingApis: missing }, detail);
      }
      current = PlatformErrors.create('KAFKA_BROKER_UNSUPPORTED', detail);
      throw current;
    },
    problem: () => current,
  };
}
