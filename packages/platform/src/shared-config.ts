import { type Config, defineConfig } from './config.ts';
import { telemetryConfigSpec } from './telemetry/telemetry-config.ts';

// Configuration every service reads the same way. A service's `<name>-config.ts` spreads serviceConfigSpec and adds
// its own variables:
//   export const orderServiceConfigSpec = defineConfig({ ...serviceConfigSpec('order-service', 8081), ... });

const HOST_PORT =
  /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(?:[1-9]\d{0,3}|[1-5]\d{4}|6[0-4]\d{3}|65[0-4]\d{2}|655[0-2]\d|6553[0-5])$/;

export function kafkaConfigSpec(clientId: string) {
  return defineConfig({
    KAFKA_BROKERS: { type: 'list', default: ['127.0.0.1:9092'], pattern: HOST_PORT, allowed: 'host:port' },
    KAFKA_CLIENT_ID: {
      type: 'string',
      default: clientId,
      pattern: /^[A-Za-z0-9._-]+$/,
      allowed: 'letters, digits, . _ -',
    },
    KAFKA_SASL_MECHANISM: { type: 'enum', values: ['plain', 'scram-sha-256', 'scram-sha-512'], optional: true },
    KAFKA_SASL_USERNAME: { type: 'string', requiredWith: 'KAFKA_SASL_MECHANISM' },
    KAFKA_SASL_PASSWORD: { type: 'string', requiredWith: 'KAFKA_SASL_MECHANISM', secret: true },
    KAFKA_TLS: { type: 'bool', default: false },
    KAFKA_TLS_CA_FILE: { type: 'string', optional: true, allowed: 'a path to a PEM file' },
    /** Kafka's session.timeout.ms for this service's consumers: how long a dead instance holds its partitions. */
    KAFKA_SESSION_TIMEOUT: { type: 'duration', default: '30s', min: 6000, max: 1_800_000 },
  });
}

/**
 * The store is Redis at REDIS_URL, a Redis Cluster reached through REDIS_CLUSTER_NODES, or the master REDIS_SENTINEL_NAME
 * that REDIS_SENTINELS point to; at most one of the three. None of them selects the embedded SQLite store, a file
 * under ORDERFLOW_DATA_DIR.
 */
export const storeConfigSpec = defineConfig({
  REDIS_URL: {
    type: 'url',
    optional: true,
    protocols: ['redis', 'rediss'],
    conflictsWith: ['REDIS_CLUSTER_NODES', 'REDIS_SENTINELS'],
  },
  /** Seed nodes of a Redis Cluster; the client learns the rest of the cluster from them. */
  REDIS_CLUSTER_NODES: {
    type: 'list',
    optional: true,
    pattern: HOST_PORT,
    allowed: 'host:port',
    conflictsWith: ['REDIS_SENTINELS'],
  },
  REDIS_SENTINELS: { type: 'list', requiredWith: 'REDIS_SENTINEL_NAME', pattern: HOST_PORT, allowed: 'host:port' },
  REDIS_SENTINEL_NAME: {
    type: 'string',
    requiredWith: 'REDIS_SENTINELS',
    pattern: /^[A-Za-z0-9._-]+$/,
    allowed: 'a Sentinel master name (letters, digits, . _ -)',
  },
  ORDERFLOW_DATA_DIR: { type: 'string', default: '.orderflow/' },
});

/**
 * HOST defaults to 0.0.0.0 so a service in a container is reachable through published ports; set HOST=127.0.0.1 to
 * keep a service on a laptop private to it.
 */
export function httpConfigSpec(defaultPort: number) {
  return defineConfig({
    PORT: { type: 'int', default: defaultPort, min: 0, max: 65535 },
    HOST: { type: 'string', default: '0.0.0.0' },
  });
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const logConfigSpec = defineConfig({
  LOG_LEVEL: { type: 'enum', values: LOG_LEVELS, default: 'info' },
});

/** Bearer token of a service's admin endpoints (requireAdminToken); unset turns them off. */
export const adminTokenConfigSpec = defineConfig({
  ADMIN_TOKEN: { type: 'string', optional: true, secret: true, pattern: /^\S+$/, allowed: 'a token without spaces' },
});

/**
 * Everything every service reads: PORT and HOST, KAFKA_*, the store's REDIS_* and ORDERFLOW_DATA_DIR, LOG_LEVEL and
 * OTEL_*. `name` is the default Kafka client id.
 */
export function serviceConfigSpec(name: string, defaultPort: number) {
  return defineConfig({
    ...httpConfigSpec(defaultPort),
    ...kafkaConfigSpec(name),
    ...storeConfigSpec,
    ...logConfigSpec,
    ...telemetryConfigSpec,
  });
}

/** The part of a service's loaded config that startService reads. */
export type ServiceConfig = Config<ReturnType<typeof serviceConfigSpec>>;
