// @orderflow/platform/testing: what every package's tests need and would otherwise copy. Not part of the runtime
// entry point, so no service loads node:assert or these fakes in production.
export { assertProblem, type InjectedResponse, type ProblemBody } from './assert-problem.ts';
export {
  batchContext,
  type ConsumedRecordInput,
  consumedRecord,
  handlerContext,
  silentLog,
} from './consumed-record.ts';
export { type EventuallyOptions, eventually, waitUntil } from './eventually.ts';
export { type ClusterNode, type RedisCluster, startRedisCluster } from './redis-cluster.ts';
export { type RedisSentinel, startRedisSentinel } from './redis-sentinel.ts';
export { createFakeProducer, type FakeProducer, type FakeProducerOptions, type Published } from './fake-producer.ts';
export {
  deleteRedisKeys,
  redisKeys,
  type ServiceTestBackends,
  type ServiceTestBackendsOptions,
  serviceTestBackends,
  TEST_REDIS_URL,
  type TestBackend,
  type TestBackendName,
  type TestStore,
} from './store-backends.ts';
export { assertReadiness, type ReadinessProbe } from './assert-readiness.ts';
export { type Closable, closeAfterAll } from './close-after-all.ts';
export { type FakeKafkaStatus, fakeKafkaStatus } from './fake-kafka-status.ts';
export { type ServiceProcess, spawnService } from './service-process.ts';
export { type MainProcessFixture, mainProcessFixture } from './main-process-fixture.ts';
export { startTestBroker, type TestBroker, type TopicRecord } from './test-broker.ts';
export { type TemporaryDirectory, temporaryDirectory } from './temporary-directory.ts';
export { type ReadRecord, type RecordDecoder, readTopics, type TopicReader } from './topic-reader.ts';
