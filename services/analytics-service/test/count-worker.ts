import { parentPort, workerData } from 'node:worker_threads';
import { createLogger, openStore, selectStoreBackend, type StoreConfig } from '@orderflow/platform';
import { analyticsStoreBackends } from '../src/analytics-store-backends.ts';
import type { CountedEvent } from '../src/counted-event.ts';
import { DEDUPE_RETENTION_MS } from './store-backends.ts';

// One "instance" of the service for the concurrency test: its own thread and its own connection to the shared data
// set, counting the given events as fast as it can once told to start, while another worker counts the same ones,
// one at a time or, with batchSize, that many at once.

const { config, namespace, events, now, batchSize } = workerData as {
  config: StoreConfig;
  namespace: string;
  events: CountedEvent[];
  now: number;
  batchSize?: number;
};
const platform = await openStore(config, { log: createLogger({ name: 'count-worker', level: 'silent' }), namespace });
const store = selectStoreBackend(platform, analyticsStoreBackends, { dedupeRetentionMs: DEDUPE_RETENTION_MS });
parentPort!.postMessage('ready');
await new Promise((resolve) => parentPort!.once('message', resolve));
let fresh = 0;
if (batchSize === undefined) {
  for (const event of events) {
    if (await store.count(event, now)) fresh += 1;
  }
} else {
  for (let start = 0; start < events.length; start += batchSize) {
    const results = await store.countMany(events.slice(start, start + batchSize), now);
    fresh += results.filter(Boolean).length;
  }
}
await platform.close();
parentPort!.postMessage(fresh);
