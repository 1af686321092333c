// An open-loop arrival schedule: arrival i is due at start + i / rate, whatever happened to the ones before it, so a
// slow server cannot slow the offered load down and hide its own delays (coordinated omission). At most
// `concurrency` sends run at once; an arrival that finds no free slot waits in a queue, and since the caller measures
// from the arrival's scheduled time, that wait counts in its latency.
import { LatencyRecorder, type LatencySummary } from './latency-recorder.ts';

export interface OpenLoopOptions {
  /** Arrivals per second. */
  readonly rate: number;
  readonly durationMs: number;
  readonly concurrency: number;
  /**
   * Sends arrival `index`, due at `scheduledAt` (a performance.now() time, possibly in the past when it had to wait).
   * Must not reject: outcomes, failures included, are the caller's to record.
   */
  readonly send: (index: number, scheduledAt: number) => Promise<void>;
  /** Aborting stops new arrivals; the sends already started finish. */
  readonly signal?: AbortSignal;
}

export interface OpenLoopResult {
  /** Arrivals the schedule held: rate × duration, fewer when aborted. */
  readonly arrivals: number;
  /** From the first arrival's due time to the last send's end. */
  readonly elapsedMs: number;
  /** How long arrivals waited for a free slot (or a late timer) after their due time. */
  readonly startDelay: LatencySummary;
  /** Arrivals that started more than LATE_START_MS after their due time. */
  readonly lateStarts: number;
  /** Most sends in flight at once. */
  readonly peakInFlight: number;
}

/** Timer jitter on a busy machine is a few milliseconds; a start later than this means no slot was free. */
export const LATE_START_MS = 10;

export function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const { rate, durationMs, concurrency, send, signal } = options;
  const interval = 1000 / rate;
  let total = Math.max(1, Math.round((rate * durationMs) / 1000));
  const startDelay = new LatencyRecorder();
  const waiting: number[] = [];
  let waitingHead = 0;
  let due = 0;
  let inFlight = 0;
  let peakInFlight = 0;
  let finished = 0;
  let lateStarts = 0;
  let timer: NodeJS.Timeout | undefined;
  const started = performance.now();
  const { promise, resolve } = Promise.withResolvers<OpenLoopResult>();

  const scheduledAt = (index: number) => started + index * interval;

  const finish = () => {
    clearTimeout(timer);
    resolve({
      arrivals: total,
      elapsedMs: performance.now() - started,
      startDelay: startDelay.summary(),
      lateStarts,
      peakInFlight,
    });
  };

  const startWaiting = () => {
    while (inFlight < concurrency && waitingHead < waiting.length) {
      const index = waiting[waitingHead++]!;
      const at = scheduledAt(index);
      const delay = performance.now() - at;
      startDelay.record(Math.max(0, delay));
      if (delay > LATE_START_MS) lateStarts++;
      inFlight++;
      peakInFlight = Math.max(peakInFlight, inFlight);
      void send(index, at).finally(onSettled);
    }
    // The queue's consumed head is dropped now and then, so a long overload does not keep every index alive.
    if (waitingHead > 4096 && waitingHead * 2 > waiting.length) {
      waiting.splice(0, waitingHead);
      waitingHead = 0;
    }
  };

  const onSettled = () => {
    inFlight--;
    finished++;
    startWaiting();
    if (finished === total) finish();
  };

  const tick = () => {
    timer = undefined;
    const now = performance.now();
    const reached = Math.min(total, Math.floor((now - started) / interval) + 1);
    while (due < reached) waiting.push(due++);
    startWaiting();
    if (due < total) timer = setTimeout(tick, Math.max(0, scheduledAt(due) - performance.now()));
  };

  signal?.addEventListener(
    'abort',
    () => {
      // Arrivals not yet due are dropped; those due but waiting for a slot were promised and still go out.
      clearTimeout(timer);
      timer = undefined;
      total = due;
      if (finished === total) finish();
    },
    { once: true },
  );
  if (signal?.aborted) {
    total = 0;
    finish();
    return promise;
  }
  tick();
  return promise;
}
