// The final report of a load run: one object, printed for a person or written as JSON.
import type { Check } from './checks.ts';
import type { FaultOutcome } from './fault-injector.ts';
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
  /** The --faults plan as it happened, empty without one. */
  readonly faults: readonly FaultOutcome[];
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
  faults?: readonly FaultOutcome[];
}): LoadReport {
  const { tally, loop, settlement, checks } = input;
  const faults = input.faults ?? [];
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
    faults,
    checks,
    // A fault that did not happen, or whose component never came back, leaves the run short of what it was asked.
    verdict: checks.every((check) => check.ok) && faults.every((fault) => fault.problem === null) ? 'pass' : 'fail',
  };
}

const ms = (value: number) => (Number.isNaN(value) ? '-' : value.toFixed(1));
const counts = (record: Readonly<Record<string, number>>) =>
  Object.entries(record)
    .sort((a, b) => b[1] - a[1])
    .map(([what, n]) => `${n} ${what}`)
    .join(', ');

const seconds = (value: number | null) => (value === null ? '-' : `${value.toFixed(1)} s`);

function formatFault(fault: FaultOutcome): string[] {
  const name = fault.component.padEnd(20);
  if (fault.killedAtSeconds === null) {
    return [`  ${name} planned at ${seconds(fault.plannedAtSeconds)}: ${fault.problem}`];
  }
  const overlap = fault.overlapsWith.length > 0 ? ` (down together with ${fault.overlapsWith.join(', ')})` : '';
  const ready =
    fault.readyAtSeconds === null
      ? `NOT ready again (${fault.problem})`
      : `ready at ${seconds(fault.readyAtSeconds)} (down ${seconds(fault.downSeconds)}, now pid ${fault.newPid})${overlap}`;
  const errors = (record: Readonly<Record<string, number>>) => counts(record) || 'none';
  return [
    `  ${name} killed at ${seconds(fault.killedAtSeconds)} (pid ${fault.killedPid}), ${ready}`,
    `  ${''.padEnd(20)} client errors while down: ${errors(fault.errorsWhileDown)}; after, until the next fault: ${errors(fault.errorsAfterReady)}`,
  ];
}

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
  ];
  if (report.faults.length > 0) {
    lines.push('', 'faults (SIGKILL; ready again = /health/ready answers 200, for the broker a metadata request)');
    for (const fault of report.faults) lines.push(...formatFault(fault));
  }
  lines.push('', 'checks');
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
