import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  continueTraceparent,
  formatTraceparent,
  parseTraceparent,
  startTraceparent,
  traceIdOf,
} from '../src/kafka/traceparent.ts';

const SPEC_EXAMPLE = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

test('parses the W3C example header into its fields', () => {
  assert.deepEqual(parseTraceparent(SPEC_EXAMPLE), {
    version: '00',
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    parentId: '00f067aa0ba902b7',
    flags: '01',
  });
  assert.equal(parseTraceparent(Buffer.from(SPEC_EXAMPLE))?.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
});

test('rejects headers the spec says to ignore', () => {
  const invalid = [
    undefined,
    '',
    'garbage',
    '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7', // no flags
    '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01', // upper case
    '00-00000000000000000000000000000000-00f067aa0ba902b7-01', // zero trace id
    '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01', // zero parent id
    'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', // forbidden version
    `${SPEC_EXAMPLE}-extra`, // version 00 allows nothing after the flags
    '00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01',
    '00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01', // not hex
  ];
  for (const header of invalid) {
    assert.equal(parseTraceparent(header), undefined, String(header));
  }
});

test('accepts a future version with extra fields, reading the version-00 part', () => {
  const parsed = parseTraceparent('01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future');
  assert.equal(parsed?.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
  assert.equal(parseTraceparent('01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x'), undefined);
});

test('a started trace is a valid, sampled version-00 header with fresh ids', () => {
  const first = parseTraceparent(startTraceparent());
  const second = parseTraceparent(startTraceparent());
  assert.ok(first && second);
  assert.equal(first.version, '00');
  assert.equal(first.flags, '01');
  assert.notEqual(first.traceId, second.traceId);
  assert.notEqual(first.parentId, second.parentId);
});

test('continuing keeps the trace id and flags and makes a new parent id', () => {
  const unsampled = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00';
  const child = parseTraceparent(continueTraceparent(unsampled));
  assert.ok(child);
  assert.equal(child.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
  assert.equal(child.flags, '00');
  assert.notEqual(child.parentId, '00f067aa0ba902b7');
});

test('continuing a missing or invalid parent starts a new trace', () => {
  for (const parent of [undefined, null, 'not-a-traceparent']) {
    const started = parseTraceparent(continueTraceparent(parent));
    assert.ok(started, String(parent));
    assert.equal(started.flags, '01');
  }
});

test('formats back to the header it parsed and extracts the trace id', () => {
  const parsed = parseTraceparent(SPEC_EXAMPLE);
  assert.ok(parsed);
  assert.equal(formatTraceparent(parsed), SPEC_EXAMPLE);
  assert.equal(traceIdOf(SPEC_EXAMPLE), '4bf92f3577b34da6a3ce929d0e0e4736');
  assert.equal(traceIdOf('nope'), undefined);
});

test('ids stay unique and well-formed across many spans and traces', () => {
  // Far more than one pool of random bytes holds, so ids come from several refills.
  const parentIds = new Set<string>();
  const traceIds = new Set<string>();
  for (let i = 0; i < 5000; i++) {
    const child = parseTraceparent(continueTraceparent(SPEC_EXAMPLE));
    const started = parseTraceparent(startTraceparent());
    assert.ok(child && started);
    parentIds.add(child.parentId).add(started.parentId);
    traceIds.add(started.traceId);
  }
  assert.equal(parentIds.size, 10_000);
  assert.equal(traceIds.size, 5000);
});
