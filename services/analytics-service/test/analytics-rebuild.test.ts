import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConsumerGroups, Topics } from '@orderflow/contracts';
import { createLogger, isAppError, PlatformErrors, type RewoundPartition } from '@orderflow/platform';
import { createAnalyticsRebuild } from '../src/analytics-rebuild.ts';
import type { AnalyticsStore } from '../src/analytics-store.ts';

// The order of a rebuild's steps is what keeps it safe: the consumer is stopped before anything moves, the group is
// rewound before the view is cleared (a refused rewind loses nothing), and the consumer always runs again.

const log = createLogger({ name: 'rebuild-test', level: 'silent' });
const rewound: RewoundPartition[] = [{ topic: Topics.orders, partition: 0, offset: 0 }];

function harness(rewind: () => Promise<RewoundPartition[]>) {
  const steps: string[] = [];
  let release: (() => void) | undefined;
  const store = {
    async clear() {
      steps.push('clear');
    },
  } as unknown as AnalyticsStore;
  const rebuild = createAnalyticsRebuild({
    log,
    store,
    async stopConsumer() {
      steps.push('stop');
      if (release === undefined) return;
      await new Promise<void>((resolve) => (release = resolve));
    },
    async startConsumer() {
      steps.push('start');
    },
    async rewindGroup(groupId, topics) {
      steps.push(`rewind ${groupId} ${topics.join(',')}`);
      return rewind();
    },
  });
  return {
    rebuild,
    steps,
    holdStop: () => (release = () => undefined),
    releaseStop: () => {
      const held = release;
      release = undefined;
      held?.();
    },
  };
}

test('stops the consumer, rewinds the group, clears the view, consumes again', async () => {
  const { rebuild, steps } = harness(async () => rewound);
  assert.deepEqual(await rebuild(), { group: ConsumerGroups.analytics, rewound });
  assert.deepEqual(steps, ['stop', `rewind analytics-service ${Topics.orders},${Topics.stock}`, 'clear', 'start']);
});

test('a refused rewind clears nothing and the consumer runs again', async () => {
  const { rebuild, steps } = harness(async () => {
    throw PlatformErrors.create('KAFKA_GROUP_NOT_EMPTY', 'still has members');
  });
  await assert.rejects(rebuild(), (error: unknown) => isAppError(error) && error.code === 'KAFKA_GROUP_NOT_EMPTY');
  assert.deepEqual(steps, ['stop', `rewind analytics-service ${Topics.orders},${Topics.stock}`, 'start']);
});

test('a second rebuild while one runs is refused with REBUILD_IN_PROGRESS', async () => {
  const { rebuild, holdStop, releaseStop } = harness(async () => rewound);
  holdStop();
  const first = rebuild();
  await assert.rejects(rebuild(), (error: unknown) => isAppError(error) && error.code === 'REBUILD_IN_PROGRESS');
  releaseStop();
  assert.deepEqual((await first).rewound, rewound);
  assert.deepEqual((await rebuild()).rewound, rewound, 'a rebuild is possible again once the first has answered');
});
