export { defaultRetryPolicy, type RetryPolicy, retryDelayMs } from './backoff.ts';
export {
  type AdvertisedApi,
  apiVersionsOf,
  type ApiVersionsSource,
  type BrokerCompatibility,
  createBrokerCompatibility,
  describeMissingApis,
  type MissingApi,
  missingBrokerApis,
  REQUIRED_BROKER_APIS,
  type RequiredApi,
  SUPPORTED_KAFKA,
} from './broker-compatibility.ts';
export type { ConsumedRecord } from './consumed-record.ts';
export {
  type BatchContext,
  type BatchHandler,
  type ConsumerRunner,
  type ConsumerRunnerOptions,
  type HandlerContext,
  type PartitionLag,
  type RecordHandler,
  startConsumer,
  type TopicPartition,
} from './consumer-runner.ts';
export { DEAD_LETTER_SUFFIX, DeadLetterHeaders, deadLetterTopic } from './dead-letter.ts';
export {
  createEventProducer,
  type EventProducer,
  type EventProducerOptions,
  type PublishOutcomeUnknownError,
  type PublishReceipt,
  type PublishRecord,
} from './event-producer.ts';
export {
  createKafkaConnection,
  type KafkaConnection,
  type KafkaConnectionOptions,
  type KafkaSaslMechanism,
  type KafkaSaslOptions,
  type KafkaSettings,
  kafkaConnectionFromConfig,
} from './kafka-connection.ts';
export { type GroupRewindOptions, type RewoundPartition, rewindGroupToEarliest } from './group-rewind.ts';
export type { ConsumerMetrics, ProducerMetrics } from './kafka-metrics.ts';
export { decodeOrPoison, PoisonEventError } from './poison-event-error.ts';
export {
  continueTraceparent,
  formatTraceparent,
  parseTraceparent,
  startTraceparent,
  type TraceContext,
  traceIdOf,
} from './traceparent.ts';
