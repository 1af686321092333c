import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  createPartitionFlow,
  type FlowRecord,
  type OwnedPartitions,
  type PartitionQueue,
} from '../src/kafka/partition-flow.ts';

// The consumer runner's queues and flow control without a broker: the stream's pause and resume are recorded, and the
// pause check that waits for the delivery in progress runs when the test ends the delivery.

const topic = 'orders';

function harness(
  maxBufferedRecords: number,
  assignments: readonly OwnedPartitions[] = [{ topic, partitions: [0, 1] }],
) {
  const stream: string[] = [];
  const deferred: (() => void)[] = [];
  const workers: PartitionQueue<string>[] = [];
  const flow = createPartitionFlow<FlowRecord, string>({
    maxBufferedRecords,
    openPartition: (name, partition) => `${name}:${partition}`,
    startWorker: (queue) => workers.push(queue),
    pause: () => stream.push('pause'),
    resume: () => stream.push('resume'),
    defer: (run) => deferred.push(run),
  });
  flow.assign(assignments);
  const nextOffsets = new Map<number, bigint>();
  /** Offers `count` records to the partition, continuing its offsets. */
  const deliver = (partition: number, count: number) => {
    for (let index = 0; index < count; index++) {
      const offset = nextOffsets.get(partition) ?? 0n;
      nextOffsets.set(partition, offset + 1n);
      flow.offer({ topic, partition, offset });
    }
  };
  const endDelivery = () => {
    for (const run of deferred.splice(0)) run();
  };
  const workerOf = (partition: number) => {
    const queue = workers.findLast((worker) => worker.context === `${topic}:${partition}`);
    assert.ok(queue, `no worker was started for partition ${partition}`);
    return queue;
  };
  const take = (partition: number, max: number) =>
    flow.take(workerOf(partition), max).map((record) => Number(record.offset));
  return { flow, stream, deferred, workers, deliver, endDelivery, workerOf, take };
}

test('records are queued per partition in offset order, with one worker per partition until it stops', () => {
  const { flow, workers, deliver, workerOf, take } = harness(100);
  deliver(0, 3);
  deliver(1, 2);
  assert.deepEqual(
    workers.map((worker) => worker.context),
    ['orders:0', 'orders:1'],
    'one worker per partition, however many records it got',
  );
  assert.equal(flow.buffered(), 5);
  assert.deepEqual(take(0, 1), [0]);
  assert.deepEqual(take(0, 5), [1, 2], 'a batch takes up to max, the rest of the queue here');
  assert.deepEqual(take(0, 5), []);
  assert.deepEqual(take(1, 1), [0]);
  assert.equal(flow.buffered(), 1);

  const first = workerOf(0);
  deliver(0, 1);
  assert.equal(workers.length, 2, 'a running worker picks new records up itself');
  flow.workerStopped(first);
  deliver(0, 1);
  assert.equal(workers.length, 3, 'a record for a partition whose worker stopped starts a new one');
  assert.equal(workers[2], first, 'on the same queue');
  assert.deepEqual(take(0, 10), [3, 4]);
});

test('records of partitions not owned here, and records below one already queued, are dropped', () => {
  const { flow, workers, deliver } = harness(100);
  flow.offer({ topic, partition: 7, offset: 0n });
  flow.offer({ topic: 'other-topic', partition: 0, offset: 0n });
  assert.equal(flow.buffered(), 0);
  assert.equal(workers.length, 0);
  assert.equal(flow.owns(topic, 0), true);
  assert.equal(flow.owns(topic, 7), false);
  assert.deepEqual(flow.ownedKeys(), ['orders:0', 'orders:1']);

  deliver(0, 2);
  // A refetch after a rebalance or a stream restart starts again at the committed offset.
  flow.offer({ topic, partition: 0, offset: 0n });
  flow.offer({ topic, partition: 0, offset: 1n });
  assert.equal(flow.buffered(), 2);
  flow.offer({ topic, partition: 0, offset: 2n });
  assert.equal(flow.buffered(), 3);
});

test('reaching the limit pauses fetching once the delivery in progress is queued, not in the middle of it', () => {
  const { flow, stream, deferred, deliver, endDelivery } = harness(4);
  deliver(0, 3);
  assert.equal(deferred.length, 0, 'below the limit nothing is scheduled');
  deliver(0, 1);
  deliver(1, 2);
  assert.deepEqual(stream, [], 'not paused while the delivery is still being queued');
  assert.equal(deferred.length, 1, 'one pause check per delivery');
  assert.equal(flow.buffered(), 6, 'records past the limit in the same delivery are queued all the same');
  endDelivery();
  assert.deepEqual(stream, ['pause']);
  assert.equal(flow.paused(), true);
  deliver(1, 1);
  endDelivery();
  assert.deepEqual(stream, ['pause'], 'a paused stream is not paused again');
});

test('no pause is made when the buffer drained below the limit before the delivery ended', () => {
  const { flow, stream, deliver, endDelivery, take } = harness(4);
  deliver(0, 4);
  take(0, 1);
  endDelivery();
  assert.deepEqual(stream, []);
  assert.equal(flow.paused(), false);
});

test('while every owned partition has records queued, fetching resumes only at half the limit', () => {
  const { stream, deliver, endDelivery, take } = harness(10);
  deliver(0, 6);
  deliver(1, 4);
  endDelivery();
  assert.deepEqual(stream, ['pause']);
  take(0, 1);
  take(0, 3);
  assert.deepEqual(stream, ['pause'], 'at 6 of 10, with both partitions holding records, still paused');
  take(0, 1);
  assert.deepEqual(stream, ['pause', 'resume'], 'at 5 of 10 fetching resumes');
  take(0, 1);
  assert.deepEqual(stream, ['pause', 'resume'], 'a running stream is not resumed again');
});

test('fetching resumes below the limit as soon as an owned partition has nothing queued', () => {
  const { stream, deliver, endDelivery, take } = harness(10);
  deliver(0, 11);
  endDelivery();
  assert.deepEqual(stream, ['pause']);
  take(0, 1);
  assert.deepEqual(stream, ['pause'], 'at the limit itself it stays paused, even with partition 1 empty');
  take(0, 1);
  assert.deepEqual(stream, ['pause', 'resume'], 'at 9 of 10 with partition 1 empty, a fetch brings it records');
});

test('a revoked partition loses its queue and its worker its claim, and the freed room can resume fetching', () => {
  const { flow, stream, workers, deliver, endDelivery, workerOf } = harness(10);
  deliver(0, 5);
  deliver(1, 5);
  endDelivery();
  assert.deepEqual(stream, ['pause']);
  const revoked = workerOf(0);
  flow.assign([{ topic, partitions: [1] }]);
  assert.equal(flow.buffered(), 5);
  assert.deepEqual(stream, ['pause', 'resume']);
  assert.equal(flow.isCurrent(revoked), false, 'its worker stops and its offsets are not committed');
  assert.equal(flow.isCurrent(workerOf(1)), true);
  assert.deepEqual(flow.take(revoked, 10), [], 'nothing of it is left to take');
  deliver(0, 1);
  assert.equal(flow.buffered(), 5, 'its records are dropped once it is revoked');

  flow.assign([{ topic, partitions: [0, 1] }]);
  flow.offer({ topic, partition: 0, offset: 0n });
  const reassigned = workerOf(0);
  assert.notEqual(reassigned, revoked, 'assigned again, it gets a new queue and a new worker');
  assert.equal(workers.length, 3);
  assert.deepEqual(
    flow.take(reassigned, 10).map((record) => record.offset),
    [0n],
    'from the committed offset again',
  );
});

test('a reopened stream fetches unpaused; its ownership changes, queues are dropped only by a group join', () => {
  const { flow, stream, deliver, endDelivery, take } = harness(4);
  deliver(0, 4);
  endDelivery();
  assert.equal(flow.paused(), true);
  flow.streamOpened([{ topic, partitions: [1] }]);
  assert.equal(flow.paused(), false);
  assert.equal(flow.owns(topic, 0), false);
  assert.equal(flow.buffered(), 4);
  take(0, 4);
  assert.deepEqual(stream, ['pause'], 'the new stream is running: nothing to resume');
});

test('close drops every queue, ignores later records and neither pauses nor resumes the stream again', () => {
  const { flow, stream, workers, deliver, endDelivery, take } = harness(4);
  deliver(0, 4);
  endDelivery();
  deliver(1, 1);
  flow.close();
  assert.equal(flow.buffered(), 0);
  assert.deepEqual(take(0, 10), []);
  flow.assign([{ topic, partitions: [0, 1] }]);
  assert.deepEqual(stream, ['pause'], 'an emptied buffer does not resume a stopping consumer');
  assert.equal(flow.isCurrent(workers[0] as PartitionQueue<string>), true, 'in-flight records are still committed');

  const late = harness(2);
  late.deliver(0, 2);
  late.flow.close();
  late.endDelivery();
  late.deliver(1, 1);
  assert.deepEqual(late.stream, [], 'a pause scheduled before close is not made');
  assert.equal(late.flow.buffered(), 0);
  assert.equal(late.workers.length, 1, 'no worker is started after close');
});
