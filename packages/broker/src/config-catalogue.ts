// The topic config catalogue: every topic config this broker describes, with the broker property behind its
// default (Kafka's ServerTopicConfigSynonyms), its type (KIP-569) and documentation, and how a topic's own settings
// (made at creation; there is no AlterConfigs) stand over the broker's defaults. DescribeConfigs (key 32) reports
// it for topics and brokers; CreateTopics (key 19) checks config names against it and reports the created topic's
// configs from it (v5+, KIP-525).
import { type BrokerConfig, defaultBrokerConfig } from './broker-config.ts';
import { DEFAULT_SEGMENT_MS } from './storage/partition-log.ts';
import { TOPIC_CONFIG_NAMES } from './storage/topic-config.ts';

/** DescribeConfigsResponse.ConfigSource */
export const ConfigSource = {
  DYNAMIC_TOPIC_CONFIG: 1,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
} as const;

/** DescribeConfigsResponse.ConfigType (KIP-569) */
export const ConfigType = { UNKNOWN: 0, BOOLEAN: 1, STRING: 2, INT: 3, LONG: 5, LIST: 7 } as const;
export type ConfigTypeValue = (typeof ConfigType)[keyof typeof ConfigType];

export interface TopicConfigDefinition {
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

export function brokerDefault(
  config: BrokerConfig,
  definition: TopicConfigDefinition,
): { value: string; source: number } {
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

export function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
