// The open-loop schedule: every arrival goes out, never more than `concurrency` at once, arrivals that had to wait
// for a slot are reported late, and an abort stops new arrivals while the started ones finish.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { LATE_START_MS, runOpenLoop } from '../src/load/open-loop.ts';

async function until(what: string, condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await delay(5);
  assert.ok(condition(), `timed out waiting for ${what}`);
}

test('sends rate x duration arrivals with at most `concurrency` in flight; held arrivals start late', async () => {
  const release = Promise.withResolvers<void>();
  const started: number[] = [];
  let inFlight = 0;
  let peak = 0;
  const run = runOpenLoop({
    rate: 1000,
    durationMs: 40,
    concurrency: 4,
    async send(index) {
      started.push(index);
      inFlight++;
      peak = Math.max(peak, inFlight);
      await release.promise;
      inFlight--;
    },
  });
  // The four slots fill with the first arrivals and stay held until every arrival is due and then some, so every
  // arrival after the fourth starts well after its due time.
  const firstDue = performance.now();
  await until('the slots to fill', () => started.length === 4);
  await delay(40 + LATE_START_MS * 3 - (performance.now() - firstDue));
  release.resolve();
  const result = await run;
  assert.equal(result.arrivals, 40);
  assert.deepEqual(
    started,
    Array.from({ length: 40 }, (_, i) => i),
    'each arrival once, in order',
  );
  assert.equal(peak, 4);
  assert.equal(result.peakInFlight, 4);
  // The 36 held arrivals are late by construction; the first four are late too when a busy machine delays the timer
  // that starts them, so they may add to the count but never take from it.
  assert.ok(result.lateStarts >= 36 && result.lateStarts <= 40, `late starts: ${result.lateStarts}`);
  assert.ok(result.startDelay.max > LATE_START_MS);
});

test('an abort stops new arrivals; those already started finish', async () => {
  const stop = new AbortController();
  let finished = 0;
  const result = await runOpenLoop({
    rate: 200,
    durationMs: 60_000,
    concurrency: 8,
    signal: stop.signal,
    async send(index) {
      if (index === 5) stop.abort();
      await delay(1);
      finished++;
    },
  });
  assert.ok(result.arrivals >= 6 && result.arrivals < 12_000, `arrivals: ${result.arrivals}`);
  assert.equal(finished, result.arrivals);
});
