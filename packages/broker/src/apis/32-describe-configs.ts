// DescribeConfigs (key 32), v0-4. Topic resources (type 2) list the topic's configs: its own settings (made at
// creation; there is no AlterConfigs) over the broker's defaults, for the configs the storage layer honours plus a
// few Kafka configs whose single value here describes this broker (min.insync.replicas=1, compression.type=producer,
// ...); those are read-only, the settable ones are not. Broker resources (type 4) named by our node id list the
// broker's settings, all read-only (they come from the command line); an empty name means the cluster-wide dynamic
// defaults (KIP-226), of which there are none. Other broker ids and resource types get INVALID_REQUEST; an unknown
// topic UNKNOWN_TOPIC_OR_PARTITION. ConfigurationKeys filters by name (null means all).
// configSource (v1+) tells a topic setting (DYNAMIC_TOPIC_CONFIG) from a broker option the user changed
// (STATIC_BROKER_CONFIG) and a built-in default (DEFAULT_CONFIG); v0's isDefault means "built-in default". Synonyms
// (v1+, KIP-226) list every level that sets a value, most specific first, when asked for. v3+ adds configType and,
// when asked for, documentation (KIP-569). Nothing is sensitive.
import { type BrokerConfig, defaultBrokerConfig } from '../broker-config.ts';
import {
  brokerDefault,
  byName,
  ConfigSource,
  ConfigType,
  type ConfigTypeValue,
  type DescribedConfig,
  describeTopicConfigs,
  topicConfigCatalogue,
} from '../config-catalogue.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import type {
  DescribeConfigsRequest,
  DescribeConfigsRequestDescribeConfigsResource,
  DescribeConfigsResponse,
  DescribeConfigsResponseDescribeConfigsResourceResult,
  DescribeConfigsResponseDescribeConfigsResult,
} from '../protocol/generated/describe-configs.ts';
import type { ApiHandler, BrokerState } from './api-handler.ts';

/** org.apache.kafka.common.config.ConfigResource.Type */
const RESOURCE_TOPIC = 2;
const RESOURCE_BROKER = 4;

interface BrokerSetting {
  readonly name: string;
  readonly type: ConfigTypeValue;
  readonly value: (broker: BrokerState) => string | null;
  /** The broker option behind it, to tell a user's setting from the built-in default. */
  readonly option?: keyof BrokerConfig;
  readonly doc: string;
}

const brokerSettings: readonly BrokerSetting[] = [
  {
    name: 'advertised.listeners',
    type: ConfigType.LIST,
    value: (broker) => `PLAINTEXT://${broker.host}:${broker.config.advertisedPort || broker.port}`,
    option: 'advertisedHost',
    doc: 'The address clients are told to connect to.',
  },
  {
    name: 'auto.create.topics.enable',
    type: ConfigType.BOOLEAN,
    value: (broker) => String(broker.config.autoCreateTopics),
    option: 'autoCreateTopics',
    doc: 'Whether Metadata and Produce create missing topics.',
  },
  {
    name: 'broker.id',
    type: ConfigType.INT,
    value: (broker) => String(broker.nodeId),
    option: 'nodeId',
    doc: 'The id of this broker.',
  },
  {
    name: 'default.replication.factor',
    type: ConfigType.INT,
    value: () => '1',
    doc: 'Replication factor of created topics; a single node holds the only replica.',
  },
  {
    name: 'group.initial.rebalance.delay.ms',
    type: ConfigType.INT,
    value: (broker) => String(broker.config.groupInitialRebalanceDelayMs),
    option: 'groupInitialRebalanceDelayMs',
    doc: 'How long an empty group waits for more members to join before its first rebalance.',
  },
  {
    name: 'group.max.session.timeout.ms',
    type: ConfigType.INT,
    value: (broker) => String(broker.config.groupMaxSessionTimeoutMs),
    option: 'groupMaxSessionTimeoutMs',
    doc: 'Largest session timeout a group member may ask for.',
  },
  {
    name: 'group.min.session.timeout.ms',
    type: ConfigType.INT,
    value: (broker) => String(broker.config.groupMinSessionTimeoutMs),
    option: 'groupMinSessionTimeoutMs',
    doc: 'Smallest session timeout a group member may ask for.',
  },
  {
    name: 'listeners',
    type: ConfigType.LIST,
    value: (broker) => `PLAINTEXT://${broker.config.host}:${broker.port}`,
    option: 'port',
    doc: 'The address the broker listens on.',
  },
  {
    name: 'log.dirs',
    type: ConfigType.STRING,
    value: (broker) => broker.config.dataDir,
    option: 'dataDir',
    doc: 'Where the broker keeps its data.',
  },
  {
    name: 'node.id',
    type: ConfigType.INT,
    value: (broker) => String(broker.nodeId),
    option: 'nodeId',
    doc: 'The id of this node.',
  },
  {
    name: 'num.partitions',
    type: ConfigType.INT,
    value: (broker) => String(broker.config.defaultPartitions),
    option: 'defaultPartitions',
    doc: 'Partitions of auto-created topics, and of created topics that ask for the default.',
  },
  {
    name: 'socket.request.max.bytes',
    type: ConfigType.INT,
    value: (broker) => String(broker.config.maxRequestBytes),
    option: 'maxRequestBytes',
    doc: 'Largest request the broker accepts.',
  },
];

function describeBrokerConfigs(broker: BrokerState): DescribedConfig[] {
  const described: DescribedConfig[] = brokerSettings.map((setting) => {
    const value = setting.value(broker);
    const changed =
      setting.option !== undefined && broker.config[setting.option] !== defaultBrokerConfig[setting.option];
    const source = changed ? ConfigSource.STATIC_BROKER_CONFIG : ConfigSource.DEFAULT_CONFIG;
    return brokerEntry(setting.name, value, source, setting.type, setting.doc);
  });
  // The broker-level synonym of each topic config is a broker config too (log.retention.ms, message.max.bytes, ...).
  for (const definition of topicConfigCatalogue) {
    const { value, source } = brokerDefault(broker.config, definition);
    described.push(brokerEntry(definition.brokerName, value, source, definition.type, definition.doc));
  }
  return described.sort(byName);
}

function brokerEntry(
  name: string,
  value: string | null,
  source: number,
  configType: number,
  documentation: string,
): DescribedConfig {
  return {
    name,
    value,
    readOnly: true,
    configSource: source,
    isSensitive: false,
    configType,
    documentation,
    synonyms: [{ name, value, source }],
  };
}

export const describeConfigsHandler: ApiHandler<DescribeConfigsRequest, DescribeConfigsResponse> = {
  apiKey: 32,
  minVersion: 0,
  maxVersion: 4,
  handle(context, request, version) {
    const includeSynonyms = version >= 1 && request.includeSynonyms === true;
    const includeDocumentation = version >= 3 && request.includeDocumentation === true;
    const results = request.resources.map((resource) =>
      describeResource(context.broker, resource, version, includeSynonyms, includeDocumentation),
    );
    return { throttleTimeMs: 0, results };
  },
};

function describeResource(
  broker: BrokerState,
  resource: DescribeConfigsRequestDescribeConfigsResource,
  version: number,
  includeSynonyms: boolean,
  includeDocumentation: boolean,
): DescribeConfigsResponseDescribeConfigsResult {
  const fail = (errorCode: number, errorMessage: string): DescribeConfigsResponseDescribeConfigsResult => ({
    errorCode,
    errorMessage,
    resourceType: resource.resourceType,
    resourceName: resource.resourceName,
    configs: [],
  });
  let described: DescribedConfig[];
  if (resource.resourceType === RESOURCE_TOPIC) {
    const topic = broker.logs.getTopic(resource.resourceName);
    if (topic === undefined) {
      return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${resource.resourceName}' does not exist.`);
    }
    described = describeTopicConfigs(broker.config, topic.configs);
  } else if (resource.resourceType === RESOURCE_BROKER) {
    if (resource.resourceName === '') {
      described = [];
    } else if (resource.resourceName === String(broker.nodeId)) {
      described = describeBrokerConfigs(broker);
    } else {
      return fail(
        ErrorCode.INVALID_REQUEST,
        `Unexpected broker id, expected ${broker.nodeId} or empty string, but received ${resource.resourceName}`,
      );
    }
  } else {
    return fail(
      ErrorCode.INVALID_REQUEST,
      `Resource type ${resource.resourceType} is not supported; this broker describes topics (2) and brokers (4)`,
    );
  }
  const wanted = resource.configurationKeys === null ? null : new Set(resource.configurationKeys);
  const configs: DescribeConfigsResponseDescribeConfigsResourceResult[] = described
    .filter((entry) => wanted === null || wanted.has(entry.name))
    .map((entry) => ({
      name: entry.name,
      value: entry.value,
      readOnly: entry.readOnly,
      isDefault: version === 0 && entry.configSource === ConfigSource.DEFAULT_CONFIG,
      configSource: entry.configSource,
      isSensitive: entry.isSensitive,
      synonyms: includeSynonyms ? entry.synonyms.map((synonym) => ({ ...synonym })) : [],
      configType: entry.configType,
      documentation: includeDocumentation ? entry.documentation : null,
    }));
  return {
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    resourceType: resource.resourceType,
    resourceName: resource.resourceName,
    configs,
  };
}
