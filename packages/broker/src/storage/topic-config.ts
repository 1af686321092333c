// Topic-level configs this broker honours, validated the way Kafka's LogConfig validates them (names and ranges),
// and how they turn into a partition log's limits. Unknown names are refused, as Kafka refuses them.
// cleanup.policy=compact is accepted, but this broker does not compact: a compact-only topic keeps every segment,
// which serves readers everything a compacted log would (and more).
import type { PartitionLogOptions } from './partition-log.ts';

export const RETENTION_MS_CONFIG = 'retention.ms';
export const RETENTION_BYTES_CONFIG = 'retention.bytes';
export const SEGMENT_BYTES_CONFIG = 'segment.bytes';
export const SEGMENT_MS_CONFIG = 'segment.ms';
export const MAX_MESSAGE_BYTES_CONFIG = 'max.message.bytes';
export const CLEANUP_POLICY_CONFIG = 'cleanup.policy';

const INT32_MAX = 2n ** 31n - 1n;
const INT64_MAX = 2n ** 63n - 1n;
/** Kafka's minimum segment.bytes (LegacyRecord.RECORD_OVERHEAD_V0). */
const MIN_SEGMENT_BYTES = 14n;
const CLEANUP_POLICIES = new Set(['delete', 'compact']);

type Validator = (value: string) => string | undefined;

const VALIDATORS: Readonly<Record<string, Validator>> = {
  [RETENTION_MS_CONFIG]: integerAtLeast(-1n, INT64_MAX),
  [RETENTION_BYTES_CONFIG]: integerAtLeast(-1n, INT64_MAX),
  [SEGMENT_BYTES_CONFIG]: integerAtLeast(MIN_SEGMENT_BYTES, INT32_MAX),
  [SEGMENT_MS_CONFIG]: integerAtLeast(1n, INT64_MAX),
  [MAX_MESSAGE_BYTES_CONFIG]: integerAtLeast(0n, INT32_MAX),
  [CLEANUP_POLICY_CONFIG]: (value) => {
    const policies = value.split(',').map((policy) => policy.trim());
    const unknown = policies.find((policy) => !CLEANUP_POLICIES.has(policy));
    return unknown === undefined ? undefined : `must be a list of 'delete' and 'compact', not '${value}'`;
  },
};

export const TOPIC_CONFIG_NAMES: readonly string[] = Object.keys(VALIDATORS);

/** Why `configs` cannot be a topic's configs, or undefined when they can. */
export function topicConfigProblem(configs: Readonly<Record<string, string>>): string | undefined {
  for (const [name, value] of Object.entries(configs)) {
    const validate = VALIDATORS[name];
    if (validate === undefined) return `unknown topic config '${name}'`;
    if (typeof value !== 'string') return `topic config '${name}' has no value`;
    const problem = validate(value);
    if (problem !== undefined) return `topic config '${name}' ${problem}`;
  }
  return undefined;
}

export type PartitionLogLimits = Pick<
  PartitionLogOptions,
  'segmentBytes' | 'segmentMs' | 'retentionMs' | 'retentionBytes'
>;

/** The partition log limits for a topic: its own configs over the broker's defaults. */
export function partitionLogLimits(
  configs: Readonly<Record<string, string>>,
  defaults: PartitionLogLimits,
): PartitionLogLimits {
  const number = (name: string, fallback: number | undefined) => (name in configs ? Number(configs[name]) : fallback);
  const policies = (configs[CLEANUP_POLICY_CONFIG] ?? 'delete').split(',').map((policy) => policy.trim());
  const deletes = policies.includes('delete');
  return {
    segmentBytes: number(SEGMENT_BYTES_CONFIG, defaults.segmentBytes),
    segmentMs: number(SEGMENT_MS_CONFIG, defaults.segmentMs),
    retentionMs: deletes ? number(RETENTION_MS_CONFIG, defaults.retentionMs) : -1,
    retentionBytes: deletes ? number(RETENTION_BYTES_CONFIG, defaults.retentionBytes) : -1,
  };
}

function integerAtLeast(minimum: bigint, maximum: bigint): Validator {
  return (value) => {
    if (!/^-?\d+$/.test(value.trim())) return `must be an integer, not '${value}'`;
    const parsed = BigInt(value.trim());
    if (parsed < minimum || parsed > maximum) return `must be between ${minimum} and ${maximum}, not ${value}`;
    return undefined;
  };
}
