import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { ErrorCode } from '../src/protocol/error-codes.ts';
import { type AppendResult, PartitionLog, type PartitionLogOptions } from '../src/storage/partition-log.ts';
import { valuesBatch } from './record-batch-builder.ts';
import { capturingLogger, defer, temporaryDirectory } from './storage-support.ts';

/** A datasync the test controls: each call waits until the test releases (or fails) it. */
class HeldSyncs {
  readonly #pending: Array<{ release: () => void; fail: (error: Error) => void }> = [];
  readonly #waiters: Array<() => void> = [];
  #holding = true;
  calls = 0;

  readonly datasync = (_fd: number): Promise<void> =>
    new Promise((resolve, reject) => {
      this.calls++;
      if (this.#holding) this.#pending.push({ release: resolve, fail: reject });
      else resolve();
      for (const waiter of this.#waiters.splice(0)) waiter();
    });

  /** Releases every waiting sync and lets later ones complete at once (for closing the log after the test). */
  stopHolding(): void {
    this.#holding = false;
    for (const pending of this.#pending.splice(0)) pending.release();
  }

  /** Resolves once `count` syncs have been requested in total. */
  async requested(count: number): Promise<void> {
    while (this.calls < count) await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  releaseNext(): void {
    const next = this.#pending.shift();
    assert.ok(next, 'no sync is waiting');
    next.release();
  }

  failNext(error: Error): void {
    const next = this.#pending.shift();
    assert.ok(next, 'no sync is waiting');
    next.fail(error);
  }

  get waiting(): number {
    return this.#pending.length;
  }
}

function openLog(t: TestContext, overrides: Partial<PartitionLogOptions>, syncs?: HeldSyncs): PartitionLog {
  const partition = PartitionLog.open(temporaryDirectory(t), {
    fsync: 'batch',
    log: capturingLogger().log,
    ...overrides,
    ...(syncs === undefined ? {} : { datasync: syncs.datasync }),
  });
  defer(t, () => {
    syncs?.stopHolding();
    return partition.close();
  });
  return partition;
}

function appendMany(partition: PartitionLog, count: number, label: string): AppendResult[] {
  return Array.from({ length: count }, (_, index) => partition.append([valuesBatch(`${label}${index}`, 2)]));
}

test("'batch': appends of one tick share one fdatasync, and the high watermark moves only once it completes", async (t) => {
  const syncs = new HeldSyncs();
  const partition = openLog(t, { fsync: 'batch' }, syncs);
  let advances = 0;
  partition.onHighWatermarkAdvance(() => advances++);

  const appended = appendMany(partition, 10, 'a');
  assert.equal(partition.logEndOffset, 20n);
  await syncs.requested(1);
  assert.equal(partition.highWatermark, 0n, 'nothing is visible before the sync completes');
  assert.equal(partition.read(0n, 100_000, partition.highWatermark).records.length, 0);
  assert.equal(advances, 0);

  syncs.releaseNext();
  await Promise.all(appended.map((result) => result.durable));
  assert.equal(partition.highWatermark, 20n);
  assert.equal(advances, 1);
  assert.equal(syncs.calls, 1, 'ten appends, one fdatasync');
});

test("'batch': appends arriving while a sync runs share the next one", async (t) => {
  const syncs = new HeldSyncs();
  const partition = openLog(t, { fsync: 'batch' }, syncs);
  const first = appendMany(partition, 3, 'first');
  await syncs.requested(1);
  const second = appendMany(partition, 4, 'second');
  let secondDurable = false;
  void Promise.all(second.map((result) => result.durable)).then(() => {
    secondDurable = true;
  });

  syncs.releaseNext();
  await Promise.all(first.map((result) => result.durable));
  assert.equal(partition.highWatermark, 6n, 'only the first group is durable');
  await syncs.requested(2);
  assert.equal(secondDurable, false);

  syncs.releaseNext();
  await Promise.all(second.map((result) => result.durable));
  assert.equal(partition.highWatermark, 14n);
  assert.equal(syncs.calls, 2);
});

test("'always': every append gets its own fdatasync before it is durable", async (t) => {
  const syncs = new HeldSyncs();
  const partition = openLog(t, { fsync: 'always' }, syncs);
  const appended = appendMany(partition, 3, 'a');
  for (let index = 0; index < 3; index++) {
    await syncs.requested(index + 1);
    assert.equal(partition.highWatermark, BigInt(index * 2));
    syncs.releaseNext();
    await appended[index].durable;
    assert.equal(partition.highWatermark, BigInt(index * 2 + 2));
  }
  assert.equal(syncs.calls, 3);
});

test("'never': data is visible at once and nothing is synced", async (t) => {
  const syncs = new HeldSyncs();
  const partition = openLog(t, { fsync: 'never' }, syncs);
  let advances = 0;
  partition.onHighWatermarkAdvance(() => advances++);
  const [result] = appendMany(partition, 1, 'a');
  assert.equal(partition.highWatermark, 2n);
  assert.equal(advances, 1);
  await result.durable;
  assert.equal(syncs.calls, 0);
});

test('a retried duplicate is durable only once its original is', async (t) => {
  const syncs = new HeldSyncs();
  const partition = openLog(t, { fsync: 'batch' }, syncs);
  const claim = { producerId: 1n, producerEpoch: 0, baseSequence: 0, lastSequence: 1 };
  const batch = () => valuesBatch('p', 2, { producerId: 1n, producerEpoch: 0, baseSequence: 0 });
  const original = partition.append([batch()], claim);
  await syncs.requested(1);
  const retry = partition.append([batch()], claim);
  assert.equal(retry.baseOffset, original.baseOffset);
  let retryDurable = false;
  void retry.durable.then(() => {
    retryDurable = true;
  });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(retryDurable, false);
  syncs.releaseNext();
  await retry.durable;
  assert.equal(partition.highWatermark, 2n);
});

test('a failed fdatasync fails the waiting appends, keeps the data invisible and refuses further appends', async (t) => {
  const syncs = new HeldSyncs();
  const captured = capturingLogger();
  const partition = openLog(t, { fsync: 'batch', log: captured.log }, syncs);
  const [result] = appendMany(partition, 1, 'a');
  await syncs.requested(1);
  syncs.failNext(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
  await assert.rejects(result.durable, /EIO/);
  assert.equal(partition.highWatermark, 0n);
  const later = partition.append([valuesBatch('b', 1)]);
  assert.equal(later.errorCode, ErrorCode.KAFKA_STORAGE_ERROR);
  assert.equal(partition.read(0n, 1000, 10n).errorCode, ErrorCode.KAFKA_STORAGE_ERROR);
  assert.ok(captured.lines.some((line) => line.level === 50));
});

test('unsubscribing stops high watermark notifications', (t) => {
  const partition = openLog(t, { fsync: 'never' });
  let calls = 0;
  const unsubscribe = partition.onHighWatermarkAdvance(() => calls++);
  appendMany(partition, 1, 'a');
  unsubscribe();
  appendMany(partition, 1, 'b');
  assert.equal(calls, 1);
});

test('close waits for a pending group commit and leaves the data durable', async (t) => {
  const syncs = new HeldSyncs();
  const partition = PartitionLog.open(temporaryDirectory(t), {
    fsync: 'batch',
    datasync: syncs.datasync,
    log: capturingLogger().log,
  });
  const [result] = appendMany(partition, 1, 'a');
  let closed = false;
  const closing = partition.close().then(() => {
    closed = true;
  });
  await syncs.requested(1);
  assert.equal(closed, false);
  syncs.releaseNext();
  await result.durable;
  // close's own flush of the active segment is the second sync.
  await syncs.requested(2);
  syncs.releaseNext();
  await closing;
  assert.equal(partition.append([valuesBatch('late', 1)]).errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
});

test('with the real fdatasync, durable resolves and the high watermark reaches the log end', async (t) => {
  const partition = openLog(t, { fsync: 'batch' });
  const appended = appendMany(partition, 5, 'a');
  await Promise.all(appended.map((result) => result.durable));
  assert.equal(partition.highWatermark, 10n);
});
