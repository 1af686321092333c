import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { applyConsoleDelta, type ConsoleState, LAG_HISTORY_MS } from '../src/console-state.ts';

const fixture = JSON.parse(
  readFileSync(new URL('../src/fixtures/sample-state.json', import.meta.url), 'utf8'),
) as ConsoleState;

test('the sample state has every section the page draws, with a sample per group', () => {
  assert.deepEqual(Object.keys(fixture).sort(), [
    'analytics',
    'at',
    'deadLetters',
    'groups',
    'kafka',
    'lagHistory',
    'orders',
    'stock',
    'topology',
    'version',
  ]);
  assert.deepEqual(Object.keys(fixture.lagHistory).sort(), fixture.groups.map((g) => g.group).sort());
  assert.ok(
    fixture.groups.some((g) => g.members.length === 0 && g.lag > 0),
    'a dead group with lag',
  );
});

test('a delta replaces the sections it carries and appends lag samples, dropping those older than 10 minutes', () => {
  const at = Date.parse(fixture.at) + LAG_HISTORY_MS + 1000;
  const next = applyConsoleDelta(fixture, {
    at: new Date(at).toISOString(),
    stock: [{ productId: 'A001', available: 1 }],
    lagSamples: { 'order-service': { at, lag: 7 } },
  });
  assert.deepEqual(next.stock, [{ productId: 'A001', available: 1 }]);
  assert.equal(next.orders, fixture.orders);
  // The fixture's samples end at fixture.at, so all of them are now older than the window.
  assert.deepEqual(next.lagHistory['order-service'], [{ at, lag: 7 }]);
  assert.deepEqual(next.lagHistory['stock-service'], []);
});
