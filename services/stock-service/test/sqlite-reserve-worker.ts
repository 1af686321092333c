import { parentPort, workerData } from 'node:worker_threads';
import { createLogger, openStore, selectStoreBackend } from '@orderflow/platform';
import { stockStoreBackends } from '../src/stock-store-backends.ts';

// One "instance" of the service for the SQLite concurrency test: its own thread and connection to the shared file,
// reserving one unit per order as fast as it can while another worker does the same.

const { dataDir, firstOrder, orders, productId } = workerData as {
  dataDir: string;
  firstOrder: number;
  orders: number;
  productId: string;
};
const platform = await openStore(
  { REDIS_URL: undefined, ORDERFLOW_DATA_DIR: dataDir },
  { log: createLogger({ name: 'stock-worker', level: 'silent' }), namespace: 'stock-service' },
);
const store = selectStoreBackend(platform, stockStoreBackends, { reservationRetentionMs: 60_000 });
const outcomes: string[] = [];
for (let i = firstOrder; i < firstOrder + orders; i++) {
  const { record } = await store.reserve({ orderId: `o-${i}`, productId, quantity: 1 }, Date.now());
  outcomes.push(record.outcome === 'reserved' ? `reserved:${record.remaining}` : record.outcome);
}
await platform.close();
parentPort!.postMessage(outcomes);
