// A rebuild throws the analytics view away and recounts it from the retained events. It runs inside the service
// (POST /admin/rebuild) rather than as stop → reset → start by the launcher, so that it works wherever the service
// runs: under `orderflow up`, compose or Kubernetes, on our broker or on Apache Kafka, with only standard Kafka APIs.
import { ConsumerGroups } from '@orderflow/contracts';
import type { Logger, RewoundPartition } from '@orderflow/platform';
import { ANALYTICS_TOPICS } from './analytics-consumer.ts';
import { AnalyticsErrors } from './analytics-errors.ts';
import type { AnalyticsStore } from './analytics-store.ts';

export interface RebuildResult {
  readonly group: string;
  /** Where the group resumes: the log start offset of every partition it reads. */
  readonly rewound: readonly RewoundPartition[];
}

export interface AnalyticsRebuildDeps {
  readonly log: Logger;
  readonly store: AnalyticsStore;
  /** Stops this instance's consumer; it leaves the group, so the group can be rewound. */
  readonly stopConsumer: () => Promise<void>;
  /** Starts the consumer again; it resumes from the group's committed offsets. */
  readonly startConsumer: () => Promise<void>;
  /** Commits the earliest offsets for the group; rejects with KAFKA_GROUP_NOT_EMPTY while others consume. */
  readonly rewindGroup: (groupId: string, topics: readonly string[]) => Promise<RewoundPartition[]>;
}

export type RebuildAnalytics = () => Promise<RebuildResult>;

/**
 * One rebuild at a time: stop consuming, rewind the group, clear the store, consume again. The group is rewound
 * before the store is cleared, so a rewind refused (another instance still consumes) loses nothing. The consumer
 * is started again whatever happened, so a failed rebuild never leaves the service idle; a rebuild that failed
 * after the clear is repaired by running it again.
 */
export function createAnalyticsRebuild(deps: AnalyticsRebuildDeps): RebuildAnalytics {
  let running = false;
  return async function rebuild(): Promise<RebuildResult> {
    if (running) throw AnalyticsErrors.create('REBUILD_IN_PROGRESS', 'a rebuild is already running');
    running = true;
    const group = ConsumerGroups.analytics;
    const log = deps.log.child({ component: 'rebuild' });
    try {
      log.info({ group }, 'rebuild: stopping the consumer');
      await deps.stopConsumer();
      try {
        const rewound = await deps.rewindGroup(group, ANALYTICS_TOPICS);
        await deps.store.clear();
        log.info({ group, partitions: rewound.length }, 'rebuild: view cleared and group rewound, counting again');
        return { group, rewound };
      } finally {
        await deps.startConsumer();
      }
    } catch (error) {
      log.error({ err: error, group }, 'rebuild failed');
      throw error;
    } finally {
      running = false;
    }
  };
}
