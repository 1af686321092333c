import { parentPort, workerData } from 'node:worker_threads';
import type { CountedEvent } from '../src/counted-event.ts';
import { openTestStore, type StoreConfig } from './store-backends.ts';

// One "instance" of the service for the concurrency test: its own thread and its own connection to the shared data
// set, counting the given events as fast as it can once told to start, while another worker counts the same ones.

const { config, namespace, events, now } = workerData as {
  config: StoreConfig;
  namespace: string;
  events: CountedEvent[];
  now: number;
};
const { store, platform } = await openTestStore(config, namespace);
parentPort!.postMessage('ready');
await new Promise((resolve) => parentPort!.once('message', resolve));
let fresh = 0;
for (const event of events) {
  if (await store.count(event, now)) fresh += 1;
}
await platform.close();
parentPort!.postMessage(fresh);
