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
// This file is also the catalogue CreateTopics reports topic configs from (v5+, KIP-525).
import { type BrokerConfig, defaultBrokerConfig } from '../broker-config.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import type {
  DescribeConfigsRequest,
  DescribeConfigsRequestDescribeConfigsResource,
  DescribeConfigsResponse,
  DescribeConfigsResponseDescribeConfigsResourceResult,
  DescribeConfigsResponseDescribeConfigsResult,
} from '../protocol/generated/describe-configs.ts';
import { DEFAULT_SEGMENT_MS } from '../storage/partition-log.ts';
import { TOPIC_CONFIG_NAMES } from '../storage/topic-config.ts';
import type { ApiHandler, BrokerState } from './api-handler.ts';

/** org.apache.kafka.common.config.ConfigResource.Type */
const RESOURCE_TOPIC = 2;
const RESOURCE_BROKER = 4;

/** DescribeConfigsResponse.ConfigSource */
export const ConfigSource = {
  DYNAMIC_TOPIC_CONFIG: 1,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
} as const;

/** DescribeConfigsResponse.ConfigType (KIP-569) */
const ConfigType = { UNKNOWN: 0, BOOLEAN: 1, STRING: 2, INT: 3, LONG: 5, LIST: 7 } as const;
type ConfigTypeValue = (typeof ConfigType)[keyof typeof ConfigType];

interface TopicConfigDefinition {
  readonly name: string;
  /** The broker property that supplies the default (Kafka's ServerTopicConfigSynonyms). */
  readonly brokerName: string;
  readonly type: ConfigTypeValue;
  /** The broker option behind the default, when the user can change it; otherwise `fixedDefault` applies. */
  readonly brokerOption?: keyof BrokerConfig;
  readonly fixedDefault?: string;
  readonly doc: string;
}

/**
 * The topic configs this broker describes: those the storage layer honours (settable at creation, see
 * storage/topic-config.ts), and a few Kafka configs whose one value here describes how this broker behaves.
 */
export const topicConfigCatalogue: readonly TopicConfigDefinition[] = [
  {
    name: 'cleanup.policy',
    brokerName: 'log.cleanup.policy',
    type: ConfigType.LIST,
    fixedDefault: 'delete',
    doc: 'delete removes old segments by retention; compact is accepted, but this broker never compacts.',
  },
  {
    name: 'compression.type',
    brokerName: 'compression.type',
    type: ConfigType.STRING,
    fixedDefault: 'producer',
    doc: 'Batches are stored as the producer compressed them.',
  },
  {
    name: 'max.message.bytes',
    brokerName: 'message.max.bytes',
    type: ConfigType.INT,
    brokerOption: 'maxMessageBytes',
    doc: 'Largest record batch size allowed.',
  },
  {
    name: 'message.timestamp.type',
    brokerName: 'log.message.timestamp.type',
    type: ConfigType.STRING,
    fixedDefault: 'CreateTime',
    doc: "Record timestamps are the producer's.",
  },
  {
    name: 'min.insync.replicas',
    brokerName: 'min.insync.replicas',
    type: ConfigType.INT,
    fixedDefault: '1',
    doc: 'A single node is always the one in-sync replica.',
  },
  {
    name: 'retention.bytes',
    brokerName: 'log.retention.bytes',
    type: ConfigType.LONG,
    brokerOption: 'retentionBytes',
    doc: 'Largest size a partition grows to before its oldest segments are deleted; -1 means no limit.',
  },
  {
    name: 'retention.ms',
    brokerName: 'log.retention.ms',
    type: ConfigType.LONG,
    brokerOption: 'retentionMs',
    doc: 'How long a segment is kept after its newest record; -1 means no time limit.',
  },
  {
    name: 'segment.bytes',
    brokerName: 'log.segment.bytes',
    type: ConfigType.INT,
    brokerOption: 'segmentBytes',
    doc: 'Size at which a partition rolls to a new segment file.',
  },
  {
    name: 'segment.ms',
    brokerName: 'log.roll.ms',
    type: ConfigType.LONG,
    fixedDefault: String(DEFAULT_SEGMENT_MS),
    doc: 'Age at which a partition rolls to a new segment file even if it is not full.',
  },
  {
    name: 'unclean.leader.election.enable',
    brokerName: 'unclean.leader.election.enable',
    type: ConfigType.BOOLEAN,
    fixedDefault: 'false',
    doc: "Moot on a single node, which is every partition's only replica.",
  },
];

const catalogueByName = new Map(topicConfigCatalogue.map((definition) => [definition.name, definition]));

/** One config entry as both DescribeConfigs and CreateTopics (v5+, KIP-525) report it. */
export interface DescribedConfig {
  readonly name: string;
  readonly value: string | null;
  readonly readOnly: boolean;
  readonly configSource: number;
  readonly isSensitive: boolean;
  readonly configType: number;
  readonly documentation: string | null;
  /** Every level that sets this config, most specific first (KIP-226). */
  readonly synonyms: readonly { name: string; value: string | null; source: number }[];
}

/**
 * What CreateTopics does with a topic config: the ones the storage layer honours are stored (it checks their values);
 * a Kafka config with one fixed value here is accepted when it asks for that value (Kafka Streams, for one, sets
 * message.timestamp.type=CreateTime on its internal topics) and is otherwise refused, with the reason; other names
 * are unknown, as in Kafka.
 */
export function topicConfigAtCreation(name: string, value: string): 'store' | 'ignore' | { problem: string } {
  if (TOPIC_CONFIG_NAMES.includes(name)) return 'store';
  const settable = `settable topic configs: ${[...TOPIC_CONFIG_NAMES].sort().join(', ')}`;
  const fixed = catalogueByName.get(name)?.fixedDefault;
  if (fixed === undefined) return { problem: `Unknown topic config name: ${name}; ${settable}` };
  if (value.trim().toLowerCase() === fixed.toLowerCase()) return 'ignore';
  return { problem: `Topic config ${name} is always ${fixed} on this broker; ${settable}` };
}

function brokerDefault(config: BrokerConfig, definition: TopicConfigDefinition): { value: string; source: number } {
  if (definition.brokerOption === undefined) {
    return { value: definition.fixedDefault ?? '', source: ConfigSource.DEFAULT_CONFIG };
  }
  const value = config[definition.brokerOption];
  const changed = value !== defaultBrokerConfig[definition.brokerOption];
  return {
    value: String(value),
    source: changed ? ConfigSource.STATIC_BROKER_CONFIG : ConfigSource.DEFAULT_CONFIG,
  };
}

/** Every config of a topic with the given settings: the catalogue, and any other setting the topic has, by name. */
export function describeTopicConfigs(
  config: BrokerConfig,
  topicConfigs: Readonly<Record<string, string>>,
): DescribedConfig[] {
  const described = topicConfigCatalogue.map((definition): DescribedConfig => {
    const fallback = brokerDefault(config, definition);
    const synonyms: { name: string; value: string | null; source: number }[] = [];
    const own = Object.hasOwn(topicConfigs, definition.name) ? topicConfigs[definition.name] : undefined;
    if (own !== undefined) {
      synonyms.push({ name: definition.name, value: own, source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
    }
    synonyms.push({ name: definition.brokerName, value: fallback.value, source: fallback.source });
    if (fallback.source === ConfigSource.STATIC_BROKER_CONFIG && definition.brokerOption !== undefined) {
      const builtIn = String(defaultBrokerConfig[definition.brokerOption]);
      synonyms.push({ name: definition.brokerName, value: builtIn, source: ConfigSource.DEFAULT_CONFIG });
    }
    return {
      name: definition.name,
      value: own ?? fallback.value,
      readOnly: !TOPIC_CONFIG_NAMES.includes(definition.name),
      configSource: own !== undefined ? ConfigSource.DYNAMIC_TOPIC_CONFIG : fallback.source,
      isSensitive: false,
      configType: definition.type,
      documentation: definition.doc,
      synonyms,
    };
  });
  for (const [name, value] of Object.entries(topicConfigs)) {
    if (catalogueByName.has(name)) continue;
    const source = ConfigSource.DYNAMIC_TOPIC_CONFIG;
    described.push({
      name,
      value,
      readOnly: false,
      configSource: source,
      isSensitive: false,
      configType: ConfigType.UNKNOWN,
      documentation: null,
      synonyms: [{ name, value, source }],
    });
  }
  return described.sort(byName);
}

function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

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
