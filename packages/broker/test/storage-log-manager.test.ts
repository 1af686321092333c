import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { ErrorCode } from '../src/protocol/error-codes.ts';
import { LogManager, type LogManagerOptions } from '../src/storage/log-manager.ts';
import { decodeValues, valuesBatch } from './record-batch-builder.ts';
import { capturingLogger, consumeAll, defer, temporaryDirectory } from './storage-support.ts';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function openManager(t: TestContext, dataDir: string, overrides: Partial<LogManagerOptions> = {}): LogManager {
  const manager = LogManager.open({
    dataDir,
    fsync: 'never',
    defaultPartitions: 3,
    log: capturingLogger().log,
    ...overrides,
  });
  defer(t, () => manager.close());
  return manager;
}

test('createTopic lays out one directory per partition and records the topic in topics.json', (t) => {
  const dataDir = temporaryDirectory(t);
  const manager = openManager(t, dataDir);
  const created = manager.createTopic('orders', 2, { 'retention.ms': '3600000' });
  assert.equal(created.errorCode, ErrorCode.NONE);
  const topic = created.topic;
  assert.ok(topic);
  assert.equal(topic.name, 'orders');
  assert.equal(topic.partitions, 2);
  assert.match(topic.topicId, UUID_V4);
  assert.deepEqual(topic.configs, { 'retention.ms': '3600000' });
  assert.ok(existsSync(join(dataDir, 'orders-0', '00000000000000000000.log')));
  assert.ok(existsSync(join(dataDir, 'orders-1', '00000000000000000000.log')));
  assert.equal(manager.partition('orders', 2), undefined);
  assert.equal(manager.getTopicById(topic.topicId), topic);
  assert.deepEqual(manager.listTopics(), [topic]);

  const stored = JSON.parse(readFileSync(join(dataDir, 'topics.json'), 'utf8'));
  assert.equal(stored.topics.length, 1);
  assert.equal(stored.topics[0].topicId, topic.topicId);
  assert.ok(!Number.isNaN(Date.parse(stored.topics[0].createdAt)));
});

test('topics, their ids, configs and data survive a restart', async (t) => {
  const dataDir = temporaryDirectory(t);
  const first = LogManager.open({ dataDir, fsync: 'batch', defaultPartitions: 1, log: capturingLogger().log });
  const orders = first.createTopic('orders', 3, { 'cleanup.policy': 'compact' }).topic;
  const payments = first.createTopic('payments', 1).topic;
  await first.partition('orders', 1)?.append([valuesBatch('kept', 2)]).durable;
  await first.close();

  const second = openManager(t, dataDir);
  assert.deepEqual(second.getTopic('orders'), orders);
  assert.deepEqual(second.getTopic('payments'), payments);
  assert.deepEqual(second.getTopicById(orders?.topicId ?? '')?.name, 'orders');
  const partition = second.partition('orders', 1);
  assert.ok(partition);
  assert.deepEqual(decodeValues(Buffer.concat(consumeAll(partition, 0n))), ['kept-0', 'kept-1']);
});

test('createTopic validates the name like Kafka: INVALID_TOPIC_EXCEPTION', (t) => {
  const manager = openManager(t, temporaryDirectory(t));
  for (const name of ['', '.', '..', 'has space', 'slash/name', 'ünïcode', 'x'.repeat(250)]) {
    const result = manager.createTopic(name, 1);
    assert.equal(result.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION, `name '${name}'`);
    assert.ok(result.errorMessage);
  }
  assert.equal(manager.createTopic('x'.repeat(249), 1).errorCode, ErrorCode.NONE);
  assert.equal(manager.createTopic('a.b-c_D9', 1).errorCode, ErrorCode.NONE);
  assert.equal(manager.createTopic('a_b-c_D9', 1).errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION, "'.' and '_' collide");
  assert.equal(manager.listTopics().length, 2);
});

test('createTopic refuses an existing topic, a bad partition count and bad configs', (t) => {
  const manager = openManager(t, temporaryDirectory(t));
  assert.equal(manager.createTopic('orders', 1).errorCode, ErrorCode.NONE);
  assert.equal(manager.createTopic('orders', 1).errorCode, ErrorCode.TOPIC_ALREADY_EXISTS);
  assert.equal(manager.createTopic('zero', 0).errorCode, ErrorCode.INVALID_PARTITIONS);
  assert.equal(manager.createTopic('negative', -2).errorCode, ErrorCode.INVALID_PARTITIONS);
  assert.equal(manager.createTopic('fraction', 1.5).errorCode, ErrorCode.INVALID_PARTITIONS);
  assert.equal(manager.createTopic('default', -1).topic?.partitions, 3, '-1 asks for the broker default');
  const badConfigs: Record<string, string>[] = [
    { 'no.such.config': '1' },
    { 'retention.ms': 'soon' },
    { 'retention.ms': '-2' },
    { 'retention.bytes': '1.5' },
    { 'segment.bytes': '10' },
    { 'segment.bytes': '4294967296' },
    { 'max.message.bytes': '-1' },
    { 'cleanup.policy': 'shred' },
  ];
  for (const configs of badConfigs) {
    const result = manager.createTopic('configured', 1, configs);
    assert.equal(result.errorCode, ErrorCode.INVALID_CONFIG, JSON.stringify(configs));
    assert.ok(result.errorMessage);
  }
  const good = {
    'retention.ms': '-1',
    'retention.bytes': '1048576',
    'segment.bytes': '1048576',
    'max.message.bytes': '2000000',
    'cleanup.policy': 'compact,delete',
  };
  assert.equal(manager.createTopic('configured', 1, good).errorCode, ErrorCode.NONE);
  assert.equal(manager.getTopic('zero'), undefined);
});

test('validateNewTopic checks without creating', (t) => {
  const dataDir = temporaryDirectory(t);
  const manager = openManager(t, dataDir);
  assert.equal(manager.validateNewTopic('orders', 2).errorCode, ErrorCode.NONE);
  assert.equal(manager.getTopic('orders'), undefined);
  assert.equal(existsSync(join(dataDir, 'orders-0')), false);
});

test('a topic segment.bytes config sizes its segments', (t) => {
  const dataDir = temporaryDirectory(t);
  const manager = openManager(t, dataDir);
  manager.createTopic('small-segments', 1, { 'segment.bytes': '300' });
  const partition = manager.partition('small-segments', 0);
  for (let index = 0; index < 10; index++) partition?.append([valuesBatch(`v${index}`, 2)]);
  const logs = readdirSync(join(dataDir, 'small-segments-0')).filter((file) => file.endsWith('.log'));
  assert.ok(logs.length >= 3, logs.join(', '));
});

test('a topic retention.ms config overrides the broker default; compact-only topics keep everything', (t) => {
  const manager = openManager(t, temporaryDirectory(t), { retentionMs: -1, segmentBytes: 300 });
  manager.createTopic('short', 1, { 'retention.ms': '1000' });
  manager.createTopic('compacted', 1, { 'retention.ms': '1000', 'cleanup.policy': 'compact' });
  manager.createTopic('forever', 1);
  const old = { baseTimestamp: BigInt(Date.now() - 60_000) };
  for (const name of ['short', 'compacted', 'forever']) {
    for (let index = 0; index < 10; index++) manager.partition(name, 0)?.append([valuesBatch(`v${index}`, 2, old)]);
  }
  manager.applyRetention(Date.now());
  assert.equal(manager.partition('short', 0)?.logStartOffset, 20n);
  assert.equal(manager.partition('compacted', 0)?.logStartOffset, 0n);
  assert.equal(manager.partition('forever', 0)?.logStartOffset, 0n);
});

test('deleteTopic removes the topic and its files; the name can be reused with a new id and no data', async (t) => {
  const dataDir = temporaryDirectory(t);
  const manager = openManager(t, dataDir);
  const original = manager.createTopic('orders', 2).topic;
  const partition = manager.partition('orders', 0);
  const secondPartition = manager.partition('orders', 1);
  partition?.append([valuesBatch('old', 3)]);
  assert.equal(manager.deleteTopic('orders'), ErrorCode.NONE);
  assert.equal(manager.getTopic('orders'), undefined);
  assert.equal(manager.getTopicById(original?.topicId ?? ''), undefined);
  assert.equal(manager.partition('orders', 0), undefined);
  assert.equal(existsSync(join(dataDir, 'orders-0')), false);
  assert.equal(partition?.append([valuesBatch('late', 1)]).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  assert.equal(manager.deleteTopic('orders'), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);

  const recreated = manager.createTopic('orders', 1).topic;
  assert.notEqual(recreated?.topicId, original?.topicId);
  assert.equal(manager.partition('orders', 0)?.logEndOffset, 0n);
  // Both partitions' directories are removed in the background: wait for each, not only the first.
  await Promise.all([partition?.deleteFiles(), secondPartition?.deleteFiles()]);
  assert.deepEqual(
    readdirSync(dataDir).filter((entry) => entry.startsWith('orders')),
    ['orders-0'],
    'the renamed directories are gone once deletion finishes',
  );
});

test('deleted topics stay deleted after a restart, and interrupted deletions are finished on open', async (t) => {
  const dataDir = temporaryDirectory(t);
  const first = LogManager.open({ dataDir, fsync: 'never', defaultPartitions: 1, log: capturingLogger().log });
  first.createTopic('gone', 1);
  first.createTopic('kept', 1);
  first.deleteTopic('gone');
  await first.close();
  mkdirSync(join(dataDir, 'interrupted-0.0123456789abcdef-delete'));
  writeFileSync(join(dataDir, 'interrupted-0.0123456789abcdef-delete', '00000000000000000000.log'), 'x');

  const second = openManager(t, dataDir);
  assert.deepEqual(
    second.listTopics().map((topic) => topic.name),
    ['kept'],
  );
  assert.equal(existsSync(join(dataDir, 'interrupted-0.0123456789abcdef-delete')), false);
});

test('a leftover partition directory never leaks old data into a new topic', (t) => {
  const dataDir = temporaryDirectory(t);
  mkdirSync(join(dataDir, 'orders-0'));
  writeFileSync(join(dataDir, 'orders-0', '00000000000000000000.log'), valuesBatch('stale', 1));
  const manager = openManager(t, dataDir);
  manager.createTopic('orders', 1);
  assert.equal(manager.partition('orders', 0)?.logEndOffset, 0n);
});

test('createPartitions grows a topic and refuses to shrink it', async (t) => {
  const dataDir = temporaryDirectory(t);
  const manager = LogManager.open({ dataDir, fsync: 'never', defaultPartitions: 1, log: capturingLogger().log });
  manager.createTopic('orders', 2);
  assert.equal(manager.createPartitions('orders', 2).errorCode, ErrorCode.INVALID_PARTITIONS);
  assert.equal(manager.createPartitions('orders', 1).errorCode, ErrorCode.INVALID_PARTITIONS);
  assert.equal(manager.createPartitions('missing', 4).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  assert.equal(manager.createPartitions('orders', 5).errorCode, ErrorCode.NONE);
  assert.equal(manager.getTopic('orders')?.partitions, 5);
  assert.ok(manager.partition('orders', 4));
  await manager.close();

  const reopened = openManager(t, dataDir);
  assert.equal(reopened.getTopic('orders')?.partitions, 5);
  assert.ok(reopened.partition('orders', 4));
});

test('producer ids are unique and never reused across restarts', async (t) => {
  const dataDir = temporaryDirectory(t);
  const first = LogManager.open({ dataDir, fsync: 'never', defaultPartitions: 1, log: capturingLogger().log });
  const issued = new Set<bigint>();
  for (let index = 0; index < 1500; index++) issued.add(first.allocateProducerId());
  assert.equal(issued.size, 1500);
  await first.close();
  const second = openManager(t, dataDir);
  for (let index = 0; index < 10; index++) {
    const producerId = second.allocateProducerId();
    assert.ok(!issued.has(producerId), `${producerId} was issued before the restart`);
    assert.ok(producerId >= 0n);
    issued.add(producerId);
  }
});

test('a corrupt topics.json stops the broker from starting instead of losing every topic', (t) => {
  const dataDir = temporaryDirectory(t);
  writeFileSync(join(dataDir, 'topics.json'), '{"topics": [');
  assert.throws(
    () => LogManager.open({ dataDir, fsync: 'never', defaultPartitions: 1, log: capturingLogger().log }),
    (error: NodeJS.ErrnoException) => error.code === 'TOPIC_STORE_CORRUPT',
  );
});
