// CreateTopics, DeleteTopics and CreatePartitions: as kafkajs's admin client uses them against a running broker, and
// at every version this broker serves through the generated codecs, for the checks a client cannot easily reach.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { createTopicsHandler } from '../src/apis/19-create-topics.ts';
import { deleteTopicsHandler } from '../src/apis/20-delete-topics.ts';
import { createPartitionsHandler } from '../src/apis/37-create-partitions.ts';
import { ErrorCode } from '../src/protocol/error-codes.ts';
import type { CreateTopicsRequestCreatableTopic } from '../src/protocol/generated/create-topics.ts';
import { call, NODE_ID, openContext, startTestBroker, versionsOf, ZERO_UUID } from './apis-admin-support.ts';

const DYNAMIC_TOPIC_CONFIG = 1;

function creatable(name: string, overrides: Partial<CreateTopicsRequestCreatableTopic> = {}) {
  return { name, numPartitions: 2, replicationFactor: 1, assignments: [], configs: [], ...overrides };
}

test('kafkajs admin creates, grows and deletes topics, and sees why a replication factor of 3 is refused', async (t) => {
  const broker = await startTestBroker(t, { autoCreateTopics: false });
  const admin = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  t.after(() => admin.disconnect());

  assert.equal(
    await admin.createTopics({
      topics: [{ topic: 'orders', numPartitions: 3, configEntries: [{ name: 'retention.ms', value: '3600000' }] }],
    }),
    true,
  );
  // kafkajs reports an existing topic as `false` rather than an error.
  assert.equal(await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 3 }] }), false);
  const created = await admin.fetchTopicMetadata({ topics: ['orders'] });
  assert.equal(created.topics[0].partitions.length, 3);
  const configs = await admin.describeConfigs({
    resources: [{ type: 2, name: 'orders', configNames: ['retention.ms'] }],
    includeSynonyms: false,
  });
  assert.deepEqual(
    configs.resources[0].configEntries.map((entry) => [entry.configName, entry.configValue]),
    [['retention.ms', '3600000']],
  );

  await assert.rejects(admin.createTopics({ topics: [{ topic: 'replicated', replicationFactor: 3 }] }), (error) => {
    const errors = (error as { errors?: { type: string }[] }).errors ?? [];
    assert.deepEqual(
      errors.map((topicError) => topicError.type),
      ['INVALID_REPLICATION_FACTOR'],
    );
    return true;
  });

  await admin.createPartitions({ topicPartitions: [{ topic: 'orders', count: 5 }] });
  const grown = await admin.fetchTopicMetadata({ topics: ['orders'] });
  assert.equal(grown.topics[0].partitions.length, 5);
  await assert.rejects(admin.createPartitions({ topicPartitions: [{ topic: 'orders', count: 2 }] }), /partitions/i);

  await admin.deleteTopics({ topics: ['orders'] });
  assert.deepEqual(await admin.listTopics(), []);
});

test('CreateTopics at every version: defaults, v5+ partition count, replication factor and configs, v7+ topic id', async (t) => {
  const context = openContext(t, { config: { defaultPartitions: 4 } });
  for (const version of versionsOf(createTopicsHandler)) {
    const name = `created-v${version}`;
    const response = await call(context, createTopicsHandler, version, {
      topics: [
        creatable(name, {
          numPartitions: -1,
          replicationFactor: -1,
          configs: [{ name: 'retention.ms', value: '1000' }],
        }),
      ],
      timeoutMs: 1000,
      validateOnly: false,
    });
    const [result] = response.topics;
    assert.equal(result.errorCode, ErrorCode.NONE, `v${version}`);
    const topic = context.broker.logs.getTopic(name);
    assert.equal(topic?.partitions, 4, `v${version} uses the broker default`);
    assert.deepEqual(topic?.configs, { 'retention.ms': '1000' });
    if (version >= 1) assert.equal(result.errorMessage, null);
    if (version >= 5) {
      assert.equal(result.numPartitions, 4);
      assert.equal(result.replicationFactor, 1);
      const retention = result.configs?.find((config) => config.name === 'retention.ms');
      assert.deepEqual(
        { value: retention?.value, source: retention?.configSource },
        { value: '1000', source: DYNAMIC_TOPIC_CONFIG },
      );
    }
    assert.equal(result.topicId, version >= 7 ? topic?.topicId : ZERO_UUID, `v${version} topic id`);
  }
});

test('CreateTopics with validateOnly checks everything and creates nothing', async (t) => {
  const context = openContext(t);
  for (const version of versionsOf(createTopicsHandler).filter((version) => version >= 1)) {
    const response = await call(context, createTopicsHandler, version, {
      topics: [creatable('dry-run', { numPartitions: 6 }), creatable('dry-run-bad', { replicationFactor: 2 })],
      timeoutMs: 1000,
      validateOnly: true,
    });
    assert.deepEqual(
      response.topics.map((topic) => [topic.name, topic.errorCode]),
      [
        ['dry-run', ErrorCode.NONE],
        ['dry-run-bad', ErrorCode.INVALID_REPLICATION_FACTOR],
      ],
      `v${version}`,
    );
    if (version >= 5) assert.equal(response.topics[0].numPartitions, 6);
    assert.deepEqual(context.broker.logs.listTopics(), [], `v${version} created nothing`);
  }
});

test('CreateTopics refuses what a single node cannot do, with codes and messages a user can act on', async (t) => {
  const context = openContext(t);
  assert.equal(context.broker.logs.createTopic('existing', 1).errorCode, ErrorCode.NONE);
  const cases: [CreateTopicsRequestCreatableTopic, number, RegExp][] = [
    [creatable('existing'), ErrorCode.TOPIC_ALREADY_EXISTS, /already exists/],
    [creatable('bad/name'), ErrorCode.INVALID_TOPIC_EXCEPTION, /character/],
    [creatable('a'.repeat(250)), ErrorCode.INVALID_TOPIC_EXCEPTION, /249/],
    [creatable('rf3', { replicationFactor: 3 }), ErrorCode.INVALID_REPLICATION_FACTOR, /single-node/],
    [creatable('rf0', { replicationFactor: 0 }), ErrorCode.INVALID_REPLICATION_FACTOR, /larger than 0/],
    [creatable('zero', { numPartitions: 0 }), ErrorCode.INVALID_PARTITIONS, /partitions/],
    [
      creatable('elsewhere', {
        numPartitions: -1,
        replicationFactor: -1,
        assignments: [{ partitionIndex: 0, brokerIds: [NODE_ID + 1] }],
      }),
      ErrorCode.INVALID_REPLICA_ASSIGNMENT,
      new RegExp(`exactly \\[${NODE_ID}\\]`),
    ],
    [
      creatable('gap', {
        numPartitions: -1,
        replicationFactor: -1,
        assignments: [
          { partitionIndex: 0, brokerIds: [NODE_ID] },
          { partitionIndex: 2, brokerIds: [NODE_ID] },
        ],
      }),
      ErrorCode.INVALID_REPLICA_ASSIGNMENT,
      /consecutive/,
    ],
    [
      creatable('mixed', { assignments: [{ partitionIndex: 0, brokerIds: [NODE_ID] }] }),
      ErrorCode.INVALID_REQUEST,
      /manual partition assignment/,
    ],
    [
      creatable('unknown-config', { configs: [{ name: 'no.such.config', value: '1' }] }),
      ErrorCode.INVALID_CONFIG,
      /Unknown topic config name: no\.such\.config/,
    ],
    [
      creatable('gzip', { configs: [{ name: 'compression.type', value: 'gzip' }] }),
      ErrorCode.INVALID_CONFIG,
      /always producer/,
    ],
    [
      creatable('bad-value', { configs: [{ name: 'retention.ms', value: 'soon' }] }),
      ErrorCode.INVALID_CONFIG,
      /retention\.ms/,
    ],
    [
      creatable('null-value', { configs: [{ name: 'retention.ms', value: null }] }),
      ErrorCode.INVALID_REQUEST,
      /Null value/,
    ],
  ];
  const response = await call(context, createTopicsHandler, 7, {
    topics: cases.map(([topic]) => topic),
    timeoutMs: 1000,
    validateOnly: false,
  });
  assert.equal(response.topics.length, cases.length);
  cases.forEach(([topic, errorCode, message], index) => {
    const result = response.topics[index];
    assert.equal(result.name, topic.name);
    assert.equal(result.errorCode, errorCode, `${topic.name}: ${result.errorMessage}`);
    assert.match(result.errorMessage ?? '', message, topic.name);
    assert.equal(result.topicId, ZERO_UUID);
  });
  assert.deepEqual(
    context.broker.logs.listTopics().map((topic) => topic.name),
    ['existing'],
  );
});

test('CreateTopics takes a manual assignment on our node, no-op fixed configs, and answers a duplicate name once', async (t) => {
  const context = openContext(t);
  const response = await call(context, createTopicsHandler, 5, {
    topics: [
      creatable('assigned', {
        numPartitions: -1,
        replicationFactor: -1,
        assignments: [
          { partitionIndex: 1, brokerIds: [NODE_ID] },
          { partitionIndex: 0, brokerIds: [NODE_ID] },
        ],
        configs: [
          { name: 'message.timestamp.type', value: 'CreateTime' },
          { name: 'cleanup.policy', value: 'compact' },
        ],
      }),
      creatable('twice'),
      creatable('twice', { numPartitions: 9 }),
    ],
    timeoutMs: 1000,
    validateOnly: false,
  });
  assert.deepEqual(
    response.topics.map((topic) => [topic.name, topic.errorCode, topic.errorMessage]),
    [
      ['assigned', ErrorCode.NONE, null],
      ['twice', ErrorCode.INVALID_REQUEST, 'Duplicate topic name.'],
    ],
  );
  const assigned = context.broker.logs.getTopic('assigned');
  assert.equal(assigned?.partitions, 2);
  // CreateTime is what this broker does anyway, so it is accepted and not stored; cleanup.policy is stored.
  assert.deepEqual(assigned?.configs, { 'cleanup.policy': 'compact' });
  assert.equal(context.broker.logs.getTopic('twice'), undefined);
});

test('DeleteTopics at every version: by name, and at v6 by id; unknown, ambiguous and repeated topics', async (t) => {
  const context = openContext(t);
  const logs = context.broker.logs;
  for (const version of versionsOf(deleteTopicsHandler)) {
    const doomed = logs.createTopic(`doomed-v${version}`, 1).topic;
    assert.ok(doomed !== undefined);
    const response = await call(context, deleteTopicsHandler, version, {
      topicNames: version < 6 ? [doomed.name, 'missing', 'again', 'again'] : [],
      topics:
        version >= 6
          ? [
              { name: null, topicId: doomed.topicId },
              { name: 'missing', topicId: ZERO_UUID },
              { name: 'again', topicId: ZERO_UUID },
              { name: 'again', topicId: ZERO_UUID },
            ]
          : [],
      timeoutMs: 1000,
    });
    assert.deepEqual(
      response.responses.map((result) => [result.name, result.errorCode]),
      [
        [doomed.name, ErrorCode.NONE],
        ['missing', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
        ['again', ErrorCode.INVALID_REQUEST],
      ],
      `v${version}`,
    );
    assert.equal(logs.getTopic(doomed.name), undefined, `v${version} deleted the topic`);
    if (version >= 5) assert.match(response.responses[1].errorMessage ?? '', /does not exist/);
    if (version >= 6) assert.equal(response.responses[0].topicId, doomed.topicId);
  }

  const kept = logs.createTopic('kept', 1).topic;
  assert.ok(kept !== undefined);
  const byId = await call(context, deleteTopicsHandler, 6, {
    topics: [
      { name: null, topicId: '11111111-2222-3333-4444-555555555555' },
      { name: 'kept', topicId: kept.topicId },
      { name: null, topicId: ZERO_UUID },
    ],
    timeoutMs: 1000,
  });
  assert.deepEqual(
    byId.responses.map((result) => [result.name, result.errorCode]),
    [
      [null, ErrorCode.UNKNOWN_TOPIC_ID],
      ['kept', ErrorCode.INVALID_REQUEST],
      [null, ErrorCode.INVALID_REQUEST],
    ],
  );
  assert.ok(logs.getTopic('kept') !== undefined, 'a request naming a topic both ways deletes nothing');
});

test('CreatePartitions at every version only adds partitions, on our node, and validateOnly changes nothing', async (t) => {
  const context = openContext(t);
  const logs = context.broker.logs;
  for (const version of versionsOf(createPartitionsHandler)) {
    const name = `growing-v${version}`;
    assert.equal(logs.createTopic(name, 2).errorCode, ErrorCode.NONE);
    const dryRun = await call(context, createPartitionsHandler, version, {
      topics: [{ name, count: 4, assignments: null }],
      timeoutMs: 1000,
      validateOnly: true,
    });
    assert.deepEqual(dryRun.results, [{ name, errorCode: ErrorCode.NONE, errorMessage: null }]);
    assert.equal(logs.getTopic(name)?.partitions, 2, `v${version} validateOnly added nothing`);

    const grown = await call(context, createPartitionsHandler, version, {
      topics: [
        { name, count: 4, assignments: [{ brokerIds: [NODE_ID] }, { brokerIds: [NODE_ID] }] },
        { name: 'missing', count: 3, assignments: null },
      ],
      timeoutMs: 1000,
      validateOnly: false,
    });
    assert.deepEqual(
      grown.results.map((result) => [result.name, result.errorCode]),
      [
        [name, ErrorCode.NONE],
        ['missing', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      ],
    );
    assert.equal(logs.getTopic(name)?.partitions, 4, `v${version}`);
    assert.ok(logs.partition(name, 3) !== undefined, 'the new partition is writable');
  }

  assert.equal(logs.createTopic('fixed', 3).errorCode, ErrorCode.NONE);
  const refused = await call(context, createPartitionsHandler, 3, {
    topics: [
      { name: 'fixed', count: 3, assignments: null },
      { name: 'fixed', count: 5, assignments: null },
    ],
    timeoutMs: 1000,
    validateOnly: false,
  });
  assert.deepEqual(
    refused.results.map((result) => [result.name, result.errorCode]),
    [['fixed', ErrorCode.INVALID_REQUEST]],
  );
  const cases: [number, { brokerIds: number[] }[] | null, number, RegExp][] = [
    [3, null, ErrorCode.INVALID_PARTITIONS, /already has 3/],
    [2, null, ErrorCode.INVALID_PARTITIONS, /can only be added/],
    [5, [{ brokerIds: [NODE_ID] }], ErrorCode.INVALID_REPLICA_ASSIGNMENT, /add 2 additional partition/],
    [4, [{ brokerIds: [NODE_ID, NODE_ID + 1] }], ErrorCode.INVALID_REPLICA_ASSIGNMENT, /single-node/],
    [100_000, null, ErrorCode.INVALID_PARTITIONS, /at most/],
  ];
  for (const [count, assignments, errorCode, message] of cases) {
    const response = await call(context, createPartitionsHandler, 3, {
      topics: [{ name: 'fixed', count, assignments }],
      timeoutMs: 1000,
      validateOnly: false,
    });
    const [result] = response.results;
    assert.equal(result.errorCode, errorCode, `count ${count}: ${result.errorMessage}`);
    assert.match(result.errorMessage ?? '', message);
  }
  assert.equal(logs.getTopic('fixed')?.partitions, 3);
});
