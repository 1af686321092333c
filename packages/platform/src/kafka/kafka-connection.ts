import { readFileSync } from 'node:fs';
import type { BaseOptions } from '@platformatic/kafka';
import { PlatformErrors } from '../errors.ts';

export type KafkaSaslMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

export interface KafkaSaslOptions {
  /** Case-insensitive, so the lower-case values of KAFKA_SASL_MECHANISM pass through; stored upper-case. */
  readonly mechanism: KafkaSaslMechanism | Lowercase<KafkaSaslMechanism>;
  readonly username: string;
  readonly password: string;
}

export interface KafkaConnectionOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly sasl?: KafkaSaslOptions;
  /** `true` for TLS with the system CAs; `{ ca }` (PEM) to trust a private CA. */
  readonly tls?: boolean | { readonly ca?: string };
  /** Consumer group session timeout of every consumer built from this connection (Kafka's session.timeout.ms). */
  readonly sessionTimeoutMs?: number;
}

/**
 * Where and how to reach the cluster. It opens no socket: each producer and consumer built from it owns its own
 * connections, so one can be closed without disturbing the others.
 */
export interface KafkaConnection extends KafkaConnectionOptions {
  readonly brokers: readonly string[];
}

const SASL_MECHANISMS: readonly string[] = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'];
const BROKER_ADDRESS = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):(\d{1,5})$/;

export function createKafkaConnection(options: KafkaConnectionOptions): KafkaConnection {
  if (!Array.isArray(options.brokers) || options.brokers.length === 0) {
    throw PlatformErrors.create('KAFKA_CONFIG_INVALID', 'Kafka brokers must list at least one host:port');
  }
  for (const broker of options.brokers) {
    const match = BROKER_ADDRESS.exec(broker);
    if (!match || Number(match[2]) < 1 || Number(match[2]) > 65535) {
      throw PlatformErrors.create('KAFKA_CONFIG_INVALID', `Kafka broker address "${broker}" is not host:port`);
    }
  }
  if (typeof options.clientId !== 'string' || options.clientId.trim() === '') {
    throw PlatformErrors.create('KAFKA_CONFIG_INVALID', 'Kafka clientId must be a non-empty string');
  }
  let sasl: KafkaSaslOptions | undefined;
  if (options.sasl) {
    const { username, password } = options.sasl;
    const mechanism = String(options.sasl.mechanism).toUpperCase() as KafkaSaslMechanism;
    if (!SASL_MECHANISMS.includes(mechanism)) {
      throw PlatformErrors.create('KAFKA_CONFIG_INVALID', `Kafka SASL mechanism "${mechanism}" is not supported`);
    }
    if (!username || !password) {
      throw PlatformErrors.create('KAFKA_CONFIG_INVALID', 'Kafka SASL needs a username and a password');
    }
    sasl = Object.freeze({ mechanism, username, password });
  }
  const tls = typeof options.tls === 'object' ? Object.freeze({ ...options.tls }) : options.tls;
  return Object.freeze({
    brokers: Object.freeze([...options.brokers]),
    clientId: options.clientId,
    ...(sasl ? { sasl } : {}),
    ...(tls !== undefined ? { tls } : {}),
    ...(options.sessionTimeoutMs !== undefined ? { sessionTimeoutMs: options.sessionTimeoutMs } : {}),
  });
}

/** The KAFKA_* settings of platform's kafkaConfigSpec, as loadConfig returns them. */
export interface KafkaSettings {
  readonly KAFKA_BROKERS: readonly string[];
  readonly KAFKA_CLIENT_ID: string;
  readonly KAFKA_SASL_MECHANISM?: KafkaSaslOptions['mechanism'];
  readonly KAFKA_SASL_USERNAME?: string;
  readonly KAFKA_SASL_PASSWORD?: string;
  readonly KAFKA_TLS: boolean;
  readonly KAFKA_TLS_CA_FILE?: string;
  readonly KAFKA_SESSION_TIMEOUT: number;
}

/** The connection every service builds from its loaded config; reads the CA file when one is configured. */
export function kafkaConnectionFromConfig(settings: KafkaSettings): KafkaConnection {
  const mechanism = settings.KAFKA_SASL_MECHANISM;
  const caFile = settings.KAFKA_TLS_CA_FILE;
  return createKafkaConnection({
    brokers: settings.KAFKA_BROKERS,
    clientId: settings.KAFKA_CLIENT_ID,
    sessionTimeoutMs: settings.KAFKA_SESSION_TIMEOUT,
    ...(mechanism === undefined
      ? {}
      : {
          sasl: {
            mechanism,
            username: settings.KAFKA_SASL_USERNAME ?? '',
            password: settings.KAFKA_SASL_PASSWORD ?? '',
          },
        }),
    ...(settings.KAFKA_TLS || caFile !== undefined
      ? { tls: caFile === undefined ? true : { ca: readFileSync(caFile, 'utf8') } }
      : {}),
  });
}

/** The @platformatic/kafka client options shared by every client built from a connection. */
export function clientOptions(connection: KafkaConnection): BaseOptions {
  const options: BaseOptions = {
    clientId: connection.clientId,
    bootstrapBrokers: [...connection.brokers],
  };
  if (connection.tls) {
    options.tls = typeof connection.tls === 'object' && connection.tls.ca ? { ca: connection.tls.ca } : {};
  }
  if (connection.sasl) {
    options.sasl = {
      mechanism: connection.sasl.mechanism.toUpperCase() as KafkaSaslMechanism,
      username: connection.sasl.username,
      password: connection.sasl.password,
    };
  }
  return options;
}
