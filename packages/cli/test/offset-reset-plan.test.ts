import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  parseIsoDatetime,
  parseIsoDuration,
  planPartitionReset,
  type PartitionPosition,
} from '../src/kafka/offset-reset-plan.ts';

const position: PartitionPosition = { topic: 't', partition: 0, current: 40, earliest: 10, latest: 50 };

test('each target lands where kafka-consumer-groups.sh would put it, clamped to the log', () => {
  assert.deepEqual(planPartitionReset(position, { kind: 'earliest' }), { ...plan(10), clamped: null });
  assert.deepEqual(planPartitionReset(position, { kind: 'latest' }), { ...plan(50), clamped: null });
  assert.deepEqual(planPartitionReset(position, { kind: 'offset', offset: 20 }), { ...plan(20), clamped: null });
  assert.deepEqual(planPartitionReset(position, { kind: 'offset', offset: 5 }), { ...plan(10), clamped: 'earliest' });
  assert.deepEqual(planPartitionReset(position, { kind: 'offset', offset: 99 }), { ...plan(50), clamped: 'latest' });
  assert.deepEqual(planPartitionReset(position, { kind: 'shift', by: -15 }), { ...plan(25), clamped: null });
  assert.deepEqual(planPartitionReset(position, { kind: 'shift', by: -35 }), { ...plan(10), clamped: 'earliest' });
  assert.deepEqual(planPartitionReset(position, { kind: 'shift', by: 20 }), { ...plan(50), clamped: 'latest' });
  assert.deepEqual(planPartitionReset({ ...position, current: null }, { kind: 'shift', by: 3 }).next, 13);
  assert.equal(planPartitionReset({ ...position, atTime: 33 }, { kind: 'time', timestamp: 1 }).next, 33);
  assert.equal(planPartitionReset({ ...position, atTime: null }, { kind: 'time', timestamp: 1 }).next, 50);
});

function plan(next: number) {
  return { topic: 't', partition: 0, current: 40, next };
}

test('ISO 8601 durations and date-times', () => {
  assert.equal(parseIsoDuration('PT10M'), 600_000);
  assert.equal(parseIsoDuration('P1DT2H'), 93_600_000);
  assert.equal(parseIsoDuration('PT0.5S'), 500);
  assert.equal(parseIsoDuration('P2D'), 172_800_000);
  for (const bad of ['P', 'PT', '10m', 'PT10X', '-PT1M', '']) assert.equal(parseIsoDuration(bad), undefined, bad);
  assert.equal(parseIsoDatetime('2026-12-06T10:00:00Z'), Date.UTC(2026, 11, 6, 10));
  assert.equal(parseIsoDatetime('2026-12-06T10:00:00.250+02:00'), Date.UTC(2026, 11, 6, 8, 0, 0, 250));
  for (const bad of ['yesterday', '2026-12-06', '2026-13-45T99:00:00Z']) assert.equal(parseIsoDatetime(bad), undefined);
});
