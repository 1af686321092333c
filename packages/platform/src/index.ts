export {
  type BoolVar,
  type Config,
  ConfigError,
  type ConfigSpec,
  type DurationVar,
  defineConfig,
  type EnumVar,
  type Env,
  type IntVar,
  type ListVar,
  loadConfig,
  parseDuration,
  type StringVar,
  type UrlVar,
  type VarSpec,
} from './config.ts';
export {
  AppError,
  type AppErrorOptions,
  defineErrors,
  type ErrorDefinition,
  type ErrorRegistry,
  type FieldError,
  isAppError,
  type PlatformErrorCode,
  PlatformErrors,
} from './errors.ts';
export { requireAdminToken } from './http/admin-auth.ts';
export { createHttpApp, DEFAULT_BODY_LIMIT, type HttpApp, type HttpAppOptions } from './http/create-http-app.ts';
export { PROBLEM_CONTENT_TYPE, type ProblemDetails, problemFromAppError, problemType } from './http/problem.ts';
export { REQUEST_ID_HEADER } from './http/request-id.ts';
export * from './kafka/index.ts';
export { createLogger, type Logger, type LoggerOptions } from './logger.ts';
export { createMetrics, type Metrics, type MetricsOptions } from './metrics.ts';
export {
  type CheckResult,
  createReadiness,
  type Readiness,
  type ReadinessCheck,
  type ReadinessOptions,
  type ReadinessReport,
} from './readiness.ts';
export * from './service/index.ts';
export {
  adminTokenConfigSpec,
  httpConfigSpec,
  kafkaConfigSpec,
  LOG_LEVELS,
  logConfigSpec,
  type ServiceConfig,
  serviceConfigSpec,
  storeConfigSpec,
} from './shared-config.ts';
export type { DistributedLock, Lease } from './stores/distributed-lock.ts';
export { type OpenStoreOptions, openStore, redisTargetOf, type StoreConfig } from './stores/open-store.ts';
export {
  describeRedisTarget,
  type OpenRedisOptions,
  openRedis,
  openRedisTarget,
  pingRedis,
  type RedisClient,
  type RedisTarget,
  redactUrl,
  redisCall,
  redisPipeline,
} from './stores/redis/open-redis.ts';
export { defineRedisBatchScript, defineRedisScript, type RedisScript } from './stores/redis/redis-script.ts';
export { type BatchedCall, type BatchedScript, createRedisScriptBatch } from './stores/redis/redis-script-batch.ts';
export { parseStoredJson } from './stores/stored-json.ts';
export {
  type RedisStoreConnection,
  type SqliteStoreConnection,
  type StoreFactories,
  selectStoreBackend,
} from './stores/select-store-backend.ts';
export { createPurger, ensureSqliteOpen, immediateTransaction, openSqlite } from './stores/sqlite/open-sqlite.ts';
export type { Clock, Store, StoreBackend } from './stores/store.ts';
export { requestTraceparent } from './telemetry/request-traceparent.ts';
export {
  startTelemetry,
  type Telemetry,
  type TelemetryConfig,
  type TelemetryOptions,
} from './telemetry/start-telemetry.ts';
export { TRACES_SAMPLERS, telemetryConfigSpec } from './telemetry/telemetry-config.ts';
