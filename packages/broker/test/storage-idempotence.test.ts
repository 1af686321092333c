import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { ErrorCode } from '../src/protocol/error-codes.ts';
import { PartitionLog } from '../src/storage/partition-log.ts';
import { decodeValues, valuesBatch } from './record-batch-builder.ts';
import { capturingLogger, consumeAll, crashCopy, defer, temporaryDirectory } from './storage-support.ts';

const PRODUCER = 4000n;

function openLog(t: TestContext, directory: string): PartitionLog {
  const partition = PartitionLog.open(directory, { fsync: 'batch', log: capturingLogger().log });
  defer(t, () => partition.close());
  return partition;
}

/** An idempotent batch of `count` records with sequences baseSequence.. (the producer side of KIP-98). */
function produce(partition: PartitionLog, epoch: number, baseSequence: number, count = 2, label = `s${baseSequence}`) {
  const batch = valuesBatch(label, count, { producerId: PRODUCER, producerEpoch: epoch, baseSequence });
  return partition.append([batch], {
    producerId: PRODUCER,
    producerEpoch: epoch,
    baseSequence,
    lastSequence: baseSequence + count - 1,
  });
}

test('a retried batch is not appended again and answers with its original offset', async (t) => {
  const partition = openLog(t, temporaryDirectory(t));
  partition.append([valuesBatch('plain', 3)]);
  const first = produce(partition, 0, 0);
  const second = produce(partition, 0, 2);
  await second.durable;
  assert.deepEqual([first.baseOffset, second.baseOffset], [3n, 5n]);

  const retried = produce(partition, 0, 0);
  assert.equal(retried.errorCode, ErrorCode.NONE);
  assert.equal(retried.baseOffset, 3n);
  await retried.durable;
  assert.equal(partition.logEndOffset, 7n);
  assert.deepEqual(decodeValues(Buffer.concat(consumeAll(partition, 0n))), [
    'plain-0',
    'plain-1',
    'plain-2',
    's0-0',
    's0-1',
    's2-0',
    's2-1',
  ]);
});

test('only the last five batches of a producer are remembered; an older retry is out of order', (t) => {
  const partition = openLog(t, temporaryDirectory(t));
  for (let batch = 0; batch < 6; batch++) produce(partition, 0, batch * 2);
  assert.equal(produce(partition, 0, 2).baseOffset, 2n, 'the 5th most recent batch is still a duplicate');
  const tooOld = produce(partition, 0, 0);
  assert.equal(tooOld.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  assert.equal(partition.logEndOffset, 12n);
});

test('a gap in sequence numbers is OUT_OF_ORDER_SEQUENCE_NUMBER and appends nothing', (t) => {
  const partition = openLog(t, temporaryDirectory(t));
  produce(partition, 0, 0);
  const gap = produce(partition, 0, 3);
  assert.equal(gap.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  assert.equal(gap.baseOffset, -1n);
  assert.equal(partition.logEndOffset, 2n);
  assert.equal(produce(partition, 0, 2).errorCode, ErrorCode.NONE);
});

test('an epoch older than the producer current one is fenced with INVALID_PRODUCER_EPOCH', (t) => {
  const partition = openLog(t, temporaryDirectory(t));
  produce(partition, 1, 0);
  assert.equal(produce(partition, 0, 2).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
  assert.equal(produce(partition, 0, 0).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH, 'even an old-epoch retry');
  assert.equal(partition.logEndOffset, 2n);
});

test('a new epoch must start at sequence 0', (t) => {
  const partition = openLog(t, temporaryDirectory(t));
  produce(partition, 0, 0);
  produce(partition, 0, 2);
  assert.equal(produce(partition, 1, 4).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  assert.equal(produce(partition, 1, 0).errorCode, ErrorCode.NONE);
  assert.equal(produce(partition, 1, 2).baseOffset, 6n);
});

test('a producer unknown to the partition may start at any sequence (KIP-360)', (t) => {
  const partition = openLog(t, temporaryDirectory(t));
  assert.equal(produce(partition, 3, 41).errorCode, ErrorCode.NONE);
  assert.equal(produce(partition, 3, 45).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  assert.equal(produce(partition, 3, 43).errorCode, ErrorCode.NONE);
});

test('sequence numbers wrap from int32 max to 0', (t) => {
  const partition = openLog(t, temporaryDirectory(t));
  assert.equal(produce(partition, 0, 0x7ffffffe, 2).errorCode, ErrorCode.NONE);
  assert.equal(produce(partition, 0, 0, 2).errorCode, ErrorCode.NONE);
  assert.equal(produce(partition, 0, 0, 2).baseOffset, 2n, 'the batch after the wrap is deduplicated too');
});

test('duplicate detection survives a clean restart', async (t) => {
  const directory = temporaryDirectory(t);
  const partition = PartitionLog.open(directory, { fsync: 'batch', log: capturingLogger().log });
  produce(partition, 0, 0);
  await produce(partition, 0, 2).durable;
  await partition.close();

  const reopened = openLog(t, directory);
  assert.equal(produce(reopened, 0, 2).baseOffset, 2n);
  assert.equal(produce(reopened, 0, 6).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  assert.equal(reopened.logEndOffset, 4n);
});

test('duplicate detection survives a crash: producer state is rebuilt from the batch headers', async (t) => {
  const directory = temporaryDirectory(t);
  const partition = openLog(t, directory);
  produce(partition, 0, 0);
  await produce(partition, 0, 2).durable;
  const crashed = crashCopy(t, directory);
  // Without the checkpoint too, every bit of producer state must come from the log itself.
  rmSync(join(crashed, 'partition.checkpoint'), { force: true });

  const recovered = openLog(t, crashed);
  assert.equal(recovered.logEndOffset, 4n);
  assert.equal(produce(recovered, 0, 0).baseOffset, 0n);
  assert.equal(produce(recovered, 0, 2).baseOffset, 2n);
  assert.equal(produce(recovered, 0, 8).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  assert.equal(recovered.logEndOffset, 4n);
});

test('after a crash, producer state is the last checkpoint plus the batches written after it', async (t) => {
  const directory = temporaryDirectory(t);
  const first = PartitionLog.open(directory, { fsync: 'batch', log: capturingLogger().log });
  produce(first, 0, 0);
  await produce(first, 0, 2).durable;
  await first.close();
  const second = openLog(t, directory);
  produce(second, 0, 4);
  await produce(second, 0, 6).durable;

  const recovered = openLog(t, crashCopy(t, directory));
  assert.equal(produce(recovered, 0, 2).baseOffset, 2n, 'known from the checkpoint');
  assert.equal(produce(recovered, 0, 6).baseOffset, 6n, 'known from the headers after the checkpoint');
  assert.equal(produce(recovered, 0, 8).baseOffset, 8n);
});

test('the producer claim defaults to the batch header when the caller passes none', (t) => {
  const partition = openLog(t, temporaryDirectory(t));
  const batch = () => valuesBatch('v', 1, { producerId: 9n, producerEpoch: 0, baseSequence: 0 });
  assert.equal(partition.append([batch()]).baseOffset, 0n);
  assert.equal(partition.append([batch()]).baseOffset, 0n);
  assert.equal(partition.logEndOffset, 1n);
});
