// How every Kafka-facing command connects: the same KAFKA_* variables the services read (KAFKA_BROKERS, default
// 127.0.0.1:9092, plus SASL and TLS), so `orderflow tail` reaches whatever cluster the services use.
import { ConfigError, kafkaConfigSpec, kafkaConnectionFromConfig, loadConfig } from '@orderflow/platform';
import type { BaseOptions } from '@platformatic/kafka';
import { UsageError } from '../usage-error.ts';

export const CLI_CLIENT_ID = 'orderflow-cli';

export interface KafkaClientSettings {
  readonly options: BaseOptions;
  /** host:port list for messages: "127.0.0.1:9092". */
  readonly brokers: string;
}

export function kafkaClientSettings(command: string, env: NodeJS.ProcessEnv = process.env): KafkaClientSettings {
  let connection: ReturnType<typeof kafkaConnectionFromConfig>;
  try {
    connection = kafkaConnectionFromConfig(loadConfig(kafkaConfigSpec(CLI_CLIENT_ID), env));
  } catch (error) {
    // A wrong variable is a wrong invocation, reported like a wrong flag.
    if (error instanceof ConfigError) throw new UsageError(`orderflow ${command}: ${error.message}`);
    throw error;
  }
  const options: BaseOptions = { clientId: connection.clientId, bootstrapBrokers: [...connection.brokers] };
  if (connection.tls) {
    options.tls = typeof connection.tls === 'object' && connection.tls.ca ? { ca: connection.tls.ca } : {};
  }
  if (connection.sasl) {
    options.sasl = {
      mechanism: connection.sasl.mechanism.toUpperCase() as 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512',
      username: connection.sasl.username,
      password: connection.sasl.password,
    };
  }
  return { options, brokers: connection.brokers.join(',') };
}
