// DescribeConfigs and DescribeCluster: as kafkajs and @platformatic/kafka ask them of a running broker, and at every
// version this broker serves through the generated codecs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Connection, describeClusterV1 } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { describeConfigsHandler } from '../src/apis/32-describe-configs.ts';
import { describeClusterHandler } from '../src/apis/60-describe-cluster.ts';
import { defaultBrokerConfig } from '../src/broker-config.ts';
import { ErrorCode } from '../src/protocol/error-codes.ts';
import type {
  DescribeConfigsRequestDescribeConfigsResource,
  DescribeConfigsResponseDescribeConfigsResult,
} from '../src/protocol/generated/describe-configs.ts';
import { call, type HandlerContext, NODE_ID, openContext, startTestBroker, versionsOf } from './apis-admin-support.ts';

const TOPIC_RESOURCE = 2;
const BROKER_RESOURCE = 4;
const DYNAMIC_TOPIC_CONFIG = 1;
const STATIC_BROKER_CONFIG = 4;
const DEFAULT_CONFIG = 5;
const CONFIG_TYPE_LONG = 5;

async function describe(
  context: HandlerContext,
  version: number,
  resources: DescribeConfigsRequestDescribeConfigsResource[],
  options: { includeSynonyms?: boolean; includeDocumentation?: boolean } = {},
): Promise<DescribeConfigsResponseDescribeConfigsResult[]> {
  const response = await call(context, describeConfigsHandler, version, {
    resources,
    includeSynonyms: version >= 1 && options.includeSynonyms === true,
    includeDocumentation: version >= 3 && options.includeDocumentation === true,
  });
  return response.results;
}

function entry(result: DescribeConfigsResponseDescribeConfigsResult, name: string) {
  const found = result.configs.find((config) => config.name === name);
  assert.ok(found !== undefined, `${result.resourceName} has ${name}`);
  return found;
}

test('kafkajs describes a topic’s configs over the broker defaults, and the broker’s own configs', async (t) => {
  const broker = await startTestBroker(t, { retentionBytes: 1_000_000 });
  const admin = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  await admin.createTopics({
    topics: [{ topic: 'configured', configEntries: [{ name: 'retention.ms', value: '60000' }] }],
  });
  const described = await admin.describeConfigs({
    resources: [
      { type: TOPIC_RESOURCE, name: 'configured' },
      { type: BROKER_RESOURCE, name: '1' },
    ],
    includeSynonyms: true,
  });
  const [topic, node] = described.resources;
  const value = (resource: typeof topic, name: string) =>
    resource.configEntries.find((config) => config.configName === name);
  assert.equal(topic.errorCode, 0);
  assert.deepEqual(
    [value(topic, 'retention.ms')?.configValue, value(topic, 'retention.ms')?.configSource],
    ['60000', DYNAMIC_TOPIC_CONFIG],
  );
  assert.deepEqual(
    [value(topic, 'retention.bytes')?.configValue, value(topic, 'retention.bytes')?.configSource],
    ['1000000', STATIC_BROKER_CONFIG],
  );
  assert.equal(value(topic, 'cleanup.policy')?.configValue, 'delete');
  assert.equal(value(topic, 'min.insync.replicas')?.configValue, '1');
  assert.equal(node.errorCode, 0);
  assert.equal(value(node, 'log.retention.bytes')?.configValue, '1000000');
  assert.equal(value(node, 'num.partitions')?.configValue, String(defaultBrokerConfig.defaultPartitions));
});

test('DescribeConfigs at every version: values, sources, v0 isDefault, synonyms (v1+), type and documentation (v3+)', async (t) => {
  const context = openContext(t, { config: { retentionBytes: 5_000_000 } });
  assert.equal(context.broker.logs.createTopic('described', 1, { 'retention.ms': '60000' }).errorCode, ErrorCode.NONE);
  for (const version of versionsOf(describeConfigsHandler)) {
    const [plain] = await describe(context, version, [
      { resourceType: TOPIC_RESOURCE, resourceName: 'described', configurationKeys: null },
    ]);
    assert.equal(plain.errorCode, ErrorCode.NONE);
    assert.equal(plain.errorMessage, null);
    const retention = entry(plain, 'retention.ms');
    assert.equal(retention.value, '60000');
    assert.equal(retention.readOnly, false);
    assert.equal(retention.isSensitive, false);
    const segment = entry(plain, 'segment.bytes');
    assert.equal(segment.value, String(defaultBrokerConfig.segmentBytes));
    assert.equal(entry(plain, 'retention.bytes').value, '5000000');
    if (version === 0) {
      assert.deepEqual([retention.isDefault, segment.isDefault], [false, true], 'v0 isDefault');
    } else {
      assert.equal(retention.configSource, DYNAMIC_TOPIC_CONFIG, `v${version}`);
      assert.equal(entry(plain, 'retention.bytes').configSource, STATIC_BROKER_CONFIG, `v${version}`);
      assert.equal(segment.configSource, DEFAULT_CONFIG, `v${version}`);
      assert.deepEqual(retention.synonyms, [], `v${version} synonyms only when asked for`);
    }
    if (version >= 3) {
      assert.equal(retention.configType, CONFIG_TYPE_LONG);
      assert.equal(retention.documentation, null, `v${version} documentation only when asked for`);
    }

    if (version >= 1) {
      const [rich] = await describe(
        context,
        version,
        [
          {
            resourceType: TOPIC_RESOURCE,
            resourceName: 'described',
            configurationKeys: ['retention.ms', 'retention.bytes'],
          },
        ],
        { includeSynonyms: true, includeDocumentation: true },
      );
      assert.deepEqual(
        rich.configs.map((config) => config.name),
        ['retention.bytes', 'retention.ms'],
        'only the keys asked for',
      );
      assert.deepEqual(entry(rich, 'retention.ms').synonyms, [
        { name: 'retention.ms', value: '60000', source: DYNAMIC_TOPIC_CONFIG },
        { name: 'log.retention.ms', value: String(defaultBrokerConfig.retentionMs), source: DEFAULT_CONFIG },
      ]);
      assert.deepEqual(entry(rich, 'retention.bytes').synonyms, [
        { name: 'log.retention.bytes', value: '5000000', source: STATIC_BROKER_CONFIG },
        { name: 'log.retention.bytes', value: String(defaultBrokerConfig.retentionBytes), source: DEFAULT_CONFIG },
      ]);
      if (version >= 3) assert.match(entry(rich, 'retention.ms').documentation ?? '', /segment/);
    }
  }
});

test('DescribeConfigs describes this broker by its id, nothing for the empty name, and refuses other resources', async (t) => {
  const context = openContext(t);
  for (const version of versionsOf(describeConfigsHandler)) {
    const results = await describe(context, version, [
      { resourceType: BROKER_RESOURCE, resourceName: String(NODE_ID), configurationKeys: null },
      { resourceType: BROKER_RESOURCE, resourceName: '', configurationKeys: null },
      { resourceType: BROKER_RESOURCE, resourceName: String(NODE_ID + 1), configurationKeys: null },
      { resourceType: TOPIC_RESOURCE, resourceName: 'missing', configurationKeys: null },
      { resourceType: 8, resourceName: String(NODE_ID), configurationKeys: null },
    ]);
    assert.deepEqual(
      results.map((result) => [result.resourceType, result.resourceName, result.errorCode]),
      [
        [BROKER_RESOURCE, String(NODE_ID), ErrorCode.NONE],
        [BROKER_RESOURCE, '', ErrorCode.NONE],
        [BROKER_RESOURCE, String(NODE_ID + 1), ErrorCode.INVALID_REQUEST],
        [TOPIC_RESOURCE, 'missing', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
        [8, String(NODE_ID), ErrorCode.INVALID_REQUEST],
      ],
      `v${version}`,
    );
    const [node, defaults] = results;
    assert.equal(entry(node, 'broker.id').value, String(NODE_ID));
    assert.equal(entry(node, 'message.max.bytes').value, String(defaultBrokerConfig.maxMessageBytes));
    assert.equal(entry(node, 'default.replication.factor').value, '1');
    assert.ok(node.configs.every((config) => config.readOnly && !config.isSensitive));
    assert.deepEqual(defaults.configs, []);
    assert.match(results[2].errorMessage ?? '', new RegExp(`expected ${NODE_ID}`));
  }
});

test('@platformatic/kafka describes the cluster: its id, this node as controller and only broker', async (t) => {
  const broker = await startTestBroker(t);
  const connection = new Connection('cluster-test');
  await connection.connect(broker.host, broker.port);
  t.after(() => connection.close());
  const response = await describeClusterV1.api.async(connection, false, 1);
  assert.equal(response.errorCode, 0);
  assert.match(response.clusterId, /\S/);
  assert.equal(response.controllerId, broker.config.nodeId);
  assert.deepEqual(response.brokers, [
    { brokerId: broker.config.nodeId, host: broker.host, port: broker.port, rack: null },
  ]);
  assert.equal(response.clusterAuthorizedOperations, -2147483648, 'not asked for');
});

test('DescribeCluster at every version, with authorized operations on request and controller endpoints refused', async (t) => {
  const context = openContext(t);
  for (const version of versionsOf(describeClusterHandler)) {
    const response = await call(context, describeClusterHandler, version, {
      includeClusterAuthorizedOperations: true,
      endpointType: 1,
    });
    assert.equal(response.errorCode, ErrorCode.NONE);
    assert.equal(response.clusterId, context.broker.clusterId);
    assert.equal(response.controllerId, NODE_ID);
    assert.deepEqual(response.brokers, [{ brokerId: NODE_ID, host: 'broker.test', port: 19092, rack: null }]);
    // DESCRIBE (8) and IDEMPOTENT_WRITE (12) among every cluster operation: there are no ACLs.
    assert.equal(response.clusterAuthorizedOperations & ((1 << 8) | (1 << 12)), (1 << 8) | (1 << 12));
  }
  const controllers = await call(context, describeClusterHandler, 1, {
    includeClusterAuthorizedOperations: false,
    endpointType: 2,
  });
  assert.equal(controllers.errorCode, 114, 'MISMATCHED_ENDPOINT_TYPE');
  assert.match(controllers.errorMessage ?? '', /bootstrap\.servers/);
  assert.deepEqual(controllers.brokers, []);
  const unknown = await call(context, describeClusterHandler, 1, {
    includeClusterAuthorizedOperations: false,
    endpointType: 9,
  });
  assert.equal(unknown.errorCode, 115, 'UNSUPPORTED_ENDPOINT_TYPE');
});
