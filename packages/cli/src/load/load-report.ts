// The final report of a load run: one object, printed for a person or written as JSON.
import type { Check } from './checks.ts';
import type { LatencySummary } from './latency-recorder.ts';
import type { OpenLoopResult } from './open-loop.ts';
import type { TrafficTally } from './order-traffic.ts';
import type { Settlement } from './settlement.ts';

export interface LoadSettings {
  readonly rate: number;
  readonly durationMs: number;
  readonly products: number;
  readonly stock: number;
  readonly concurrency: number;
  readonly duplicates: number;
  readonly target: string;
  readonly stockUrl: string;
  readonly notificationsUrl: string;
  readonly analyticsUrl: string;
}

export interface LoadReport {
  readonly runId: string;
  readonly productPrefix: string;
  readonly settings: LoadSettings;
  readonly requests: {
    readonly sent: number;
    readonly offeredPerSecond: number;
    readonly achievedPerSecond: number;
    readonly elapsedSeconds: number;
    readonly accepted: number;
    /** Requests that failed without an answer but whose order the service turned out to have. */
    readonly acceptedUnanswered: number;
    readonly rejected: Readonly<Record<string, number>>;
    readonly errors: Readonly<Record<string, number>>;
    readonly duplicates: TrafficTally['duplicates'];
  };
  /** From each request's scheduled send time to its answer, every request included. */
  readonly latencyMs: LatencySummary;
  readonly schedule: {
    readonly lateStarts: number;
    readonly startDelayMs: LatencySummary;
    readonly peakInFlight: number;
  };
  readonly drain: { readonly waitedSeconds: number; readonly timedOut: readonly string[] };
  readonly checks: readonly Check[];
  readonly verdict: 'pass' | 'fail';
}

export function buildReport(input: {
  runId: string;
  productPrefix: string;
  settings: LoadSettings;
  tally: TrafficTally;
  loop: OpenLoopResult;
  settlement: Settlement;
  checks: readonly Check[];
}): LoadReport {
  const { tally, loop, settlement, checks } = input;
  const seconds = loop.elapsedMs / 1000;
  return {
    runId: input.runId,
    productPrefix: input.productPrefix,
    settings: input.settings,
    requests: {
      sent: tally.sent,
      offeredPerSecond: input.settings.rate,
      achievedPerSecond: seconds > 0 ? tally.completed / seconds : 0,
      elapsedSeconds: seconds,
      accepted: tally.accepted,
      acceptedUnanswered: settlement.acceptedUnanswered,
      rejected: tally.rejected,
      errors: tally.errors,
      duplicates: tally.duplicates,
    },
    latencyMs: tally.latency.summary(),
    schedule: { lateStarts: loop.lateStarts, startDelayMs: loop.startDelay, peakInFlight: loop.peakInFlight },
    drain: { waitedSeconds: settlement.waitedMs / 1000, timedOut: settlement.timedOut },
    checks,
    verdict: checks.every((check) => check.ok) ? 'pass' : 'fail',
  };
}

const ms = (value: number) => (Number.isNaN(value) ? '-' : value.toFixed(1));
const counts = (record: Readonly<Record<string, number>>) =>
  Object.entries(record)
    .sort((a, b) => b[1] - a[1])
    .map(([what, n]) => `${n} ${what}`)
    .join(', ');

export function formatReport(report: LoadReport): string {
  const { settings: s, requests: r, latencyMs: l, schedule } = report;
  const rejected = Object.values(r.rejected).reduce((sum, n) => sum + n, 0);
  const errors = Object.values(r.errors).reduce((sum, n) => sum + n, 0);
  const lines = [
    `orderflow load ${report.runId}: ${s.rate} orders/s for ${s.durationMs / 1000} s, ${s.products} products ` +
      `(${report.productPrefix}*) x ${s.stock} units, concurrency ${s.concurrency}, ` +
      `${(s.duplicates * 100).toFixed(1)}% duplicates, against ${s.target}`,
    '',
    `requests     ${r.sent} sent in ${r.elapsedSeconds.toFixed(1)} s: ${r.offeredPerSecond}/s offered, ` +
      `${r.achievedPerSecond.toFixed(1)}/s answered`,
    `  accepted   ${r.accepted}${r.acceptedUnanswered > 0 ? ` (+ ${r.acceptedUnanswered} found accepted after their request failed)` : ''}`,
    `  rejected   ${rejected}${rejected > 0 ? ` (${counts(r.rejected)})` : ''}`,
    `  errors     ${errors}${errors > 0 ? ` (${counts(r.errors)})` : ''}`,
    `  duplicates ${r.duplicates.sent} sent: ${r.duplicates.replayed} replayed, ` +
      `${r.duplicates.secondOrders} answered as new orders, ${r.duplicates.unanswered} unanswered`,
    '',
    `latency from scheduled send, ms: p50 ${ms(l.p50)}  p90 ${ms(l.p90)}  p99 ${ms(l.p99)}  p99.9 ${ms(l.p999)}  ` +
      `max ${ms(l.max)}  (${l.count} requests)`,
    `schedule: ${schedule.lateStarts} requests started over 10 ms late (no free slot, or a busy machine), ` +
      `start delay p99 ${ms(schedule.startDelayMs.p99)} ms, at most ${schedule.peakInFlight} in flight`,
    `consumers drained in ${report.drain.waitedSeconds.toFixed(1)} s` +
      (report.drain.timedOut.length > 0 ? ` (gave up waiting: ${report.drain.timedOut.join('; ')})` : ''),
    '',
    'checks',
  ];
  for (const check of report.checks) {
    lines.push(`  ${check.ok ? 'ok  ' : 'FAIL'}  ${check.name}`);
    lines.push(`        expected ${check.expected}`);
    lines.push(`        actual   ${check.actual}`);
    if (!check.ok) for (const detail of check.details ?? []) lines.push(`          ${detail}`);
  }
  const held = report.checks.filter((check) => check.ok).length;
  lines.push('', `verdict: ${report.verdict.toUpperCase()} (${held} of ${report.checks.length} checks hold)`);
  return lines.join('\n');
}
