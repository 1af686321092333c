export { type DeadLetterRedrive } from './api-routes.ts';
export {
  buildConsoleApp,
  CONSOLE_NAME,
  type ConsoleApp,
  type ConsoleAppDeps,
  DEFAULT_PAGE_DIR,
} from './console-app.ts';
export { ConsoleErrors, type ConsoleErrorCode } from './console-errors.ts';
export * from './console-state.ts';
export type { KafkaReading, KafkaSource, SourceRecord, TopicPartitionOffsets, TracedOrder } from './kafka-source.ts';
export { SERVICE_NAMES, type ServiceEndpoints } from './service-endpoints.ts';
export { type StateListener, StatePoller } from './state-poller.ts';
