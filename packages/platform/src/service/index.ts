export {
  CONSUMER_START_RETRY,
  type SupervisedConsumer,
  type SupervisedConsumerOptions,
  superviseConsumer,
} from './consumer-supervisor.ts';
export { exitOnStartupFailure, exitOnUncaughtError } from './fatal-exit.ts';
export { type KafkaStatus, kafkaStatusOf } from './kafka-status.ts';
export { createServiceApp, type ServiceAppDeps, type ServiceAppOptions } from './service-app.ts';
export { configOrExit } from './service-config.ts';
export { exitOnShutdownSignals, SHUTDOWN_DEADLINE_MS, type ShutdownOptions, type ShutdownStep } from './shutdown.ts';
export {
  CONSUMER_SHUTDOWN_MS,
  type ConsumerStartContext,
  type ServeOptions,
  type ServiceConsumerOptions,
  type ServiceProducerOptions,
  type ServiceRuntime,
  type ShutdownStepName,
  type StartServiceOptions,
  startService,
} from './service-runtime.ts';
