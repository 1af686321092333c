import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Worker } from 'node:worker_threads';

// SQLite calls are synchronous, so contenders in one thread never overlap; separate threads with separate
// connections do, like separate processes sharing the data directory.

const dir = mkdtempSync(join(tmpdir(), 'orderflow-sqlite-concurrency-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('contenders on separate connections: exactly one takes the lock', async () => {
  const start = new Int32Array(new SharedArrayBuffer(4));
  const workerData = { dir, lockName: 'stock-lock', start };
  const workers = Array.from(
    { length: 4 },
    () => new Worker(new URL('./fixtures/sqlite-contender.ts', import.meta.url), { workerData }),
  );
  // Listen for exits now: a worker may exit before the last result arrives, and a late `once` would wait forever.
  const exited = workers.map((worker) => once(worker, 'exit'));
  const ready = workers.map((worker) => nextMessage(worker));
  await Promise.all(ready);
  // Every contender has its connection open; release them all at once.
  const results = workers.map((worker) => nextMessage(worker) as Promise<{ lease: number | null }>);
  Atomics.store(start, 0, 1);
  Atomics.notify(start, 0);
  const outcomes = await Promise.all(results);
  await Promise.all(exited);
  assert.deepEqual(
    await Promise.all(ready),
    workers.map(() => ({ ready: true })),
  );

  assert.deepEqual(
    outcomes.map((o) => o.lease).filter((l) => l !== null),
    [1],
    JSON.stringify(outcomes),
  );
});

function nextMessage(worker: Worker): Promise<unknown> {
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}
