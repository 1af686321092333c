// Carries out a --faults plan during a load run: at each fault's time it SIGKILLs the component's current process,
// found in the process registry of the orderflow up that runs the stack (launcher/process-registry.ts), waits for
// the launcher to start a new one, and polls it until it serves again: /health/ready answering 200 for a service,
// a metadata request answered for the broker. What the clients saw meanwhile is joined in afterwards
// (faultOutcomes), from the traffic's failures and their times.
import { setTimeout as delay } from 'node:timers/promises';
import { Admin } from '@platformatic/kafka';
import { type Readiness, readRegisteredProcess } from '../launcher/process-registry.ts';
import type { PlannedFault } from './fault-plan.ts';

const POLL_INTERVAL_MS = 100;
const PROBE_TIMEOUT_MS = 1000;

export interface FaultTimes {
  readonly component: string;
  readonly plannedAtMs: number;
  /** performance.now() times; undefined when it did not happen (the run stopped early, or the kill failed). */
  readonly killedAt?: number;
  readonly readyAt?: number;
  readonly killedPid?: number;
  readonly newPid?: number;
  /** Why the fault did not happen or the component did not come back, in words. */
  readonly problem?: string;
}

export interface FaultInjection {
  /** Resolves once every fault has happened and its component is ready again (or gave up at the deadline). */
  finished(): Promise<FaultTimes[]>;
}

export function injectFaults(options: {
  readonly dataDir: string;
  readonly faults: readonly PlannedFault[];
  /** performance.now() of the run's first arrival. */
  readonly startedAt: number;
  /** Longest wait for a killed component to be ready again. */
  readonly readyTimeoutMs: number;
  /** Aborted when the run stops early: faults not yet due are skipped. */
  readonly signal: AbortSignal;
}): FaultInjection {
  const outcomes = options.faults.map(async (fault): Promise<FaultTimes> => {
    const dueAt = options.startedAt + fault.atMs;
    try {
      // Timers run on the event loop's clock, which is kept in whole milliseconds, so one may fire up to a
      // millisecond before performance.now() reaches its time: wait again until it has, so no fault is early.
      while (performance.now() < dueAt) {
        await delay(Math.max(1, Math.ceil(dueAt - performance.now())), undefined, { signal: options.signal });
      }
    } catch {
      return { component: fault.component, plannedAtMs: fault.atMs, problem: 'not done: the run stopped before' };
    }
    return killAndWait(fault, options.dataDir, options.readyTimeoutMs);
  });
  return { finished: () => Promise.all(outcomes) };
}

async function killAndWait(fault: PlannedFault, dataDir: string, readyTimeoutMs: number): Promise<FaultTimes> {
  const base = { component: fault.component, plannedAtMs: fault.atMs };
  let victim;
  try {
    victim = readRegisteredProcess(dataDir, fault.component);
  } catch (error) {
    return { ...base, problem: (error as Error).message };
  }
  if (victim === undefined) return { ...base, problem: `orderflow up does not run ${fault.component}` };
  const killedAt = performance.now();
  try {
    process.kill(victim.pid, 'SIGKILL');
  } catch (error) {
    return { ...base, problem: `kill ${victim.pid}: ${(error as Error).message}` };
  }
  const deadline = killedAt + readyTimeoutMs;
  const killed = { ...base, killedAt, killedPid: victim.pid };
  // The launcher's restart shows as a new pid in the registry; before it, the old process may still be answering.
  let newPid: number | undefined;
  while (performance.now() < deadline) {
    const current = safeRead(dataDir, fault.component);
    if (current !== undefined && current.pid !== victim.pid) {
      newPid = current.pid;
      break;
    }
    await delay(POLL_INTERVAL_MS);
  }
  if (newPid === undefined) return { ...killed, problem: 'the launcher did not restart it in time' };
  while (performance.now() < deadline) {
    if (await isReady(victim.ready)) return { ...killed, newPid, readyAt: performance.now() };
    await delay(POLL_INTERVAL_MS);
  }
  return { ...killed, newPid, problem: `not ready again within ${readyTimeoutMs / 1000} s` };
}

function safeRead(dataDir: string, name: string) {
  try {
    return readRegisteredProcess(dataDir, name);
  } catch {
    return undefined;
  }
}

async function isReady(readiness: Readiness): Promise<boolean> {
  if ('http' in readiness) {
    try {
      const response = await fetch(readiness.http, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      await response.body?.cancel();
      return response.ok;
    } catch {
      return false;
    }
  }
  const admin = new Admin({
    clientId: 'orderflow-load-faults',
    bootstrapBrokers: [readiness.kafka],
    retries: 0,
    timeout: PROBE_TIMEOUT_MS,
  });
  try {
    await admin.metadata({ topics: [] });
    return true;
  } catch {
    return false;
  } finally {
    await admin.close().catch(() => undefined);
  }
}

export interface FaultOutcome {
  readonly component: string;
  readonly plannedAtSeconds: number;
  /** Seconds after the run's first arrival; null when it did not happen. */
  readonly killedAtSeconds: number | null;
  readonly readyAtSeconds: number | null;
  /** From the kill to ready again. */
  readonly downSeconds: number | null;
  readonly killedPid: number | null;
  readonly newPid: number | null;
  /** Errors and unanswered duplicates that ended between the kill and ready again, by reason. */
  readonly errorsWhileDown: Readonly<Record<string, number>>;
  /** Those that ended after it was ready again, before the next fault (or the end of the run): its after-effects. */
  readonly errorsAfterReady: Readonly<Record<string, number>>;
  /** Other faults whose component was down at the same time: the errors of the windows are shared. */
  readonly overlapsWith: readonly string[];
  readonly problem: string | null;
}

export function faultOutcomes(
  times: readonly FaultTimes[],
  failures: readonly { readonly at: number; readonly reason: string }[],
  startedAt: number,
): FaultOutcome[] {
  const seconds = (at: number | undefined) => (at === undefined ? null : (at - startedAt) / 1000);
  return times.map((fault, index) => {
    const nextKill = times.slice(index + 1).find((next) => next.killedAt !== undefined)?.killedAt ?? Infinity;
    const tally = (from: number | undefined, to: number | undefined) => {
      const counts: Record<string, number> = {};
      if (from === undefined || to === undefined) return counts;
      for (const failure of failures) {
        if (failure.at >= from && failure.at < to) counts[failure.reason] = (counts[failure.reason] ?? 0) + 1;
      }
      return counts;
    };
    const downUntil = fault.readyAt ?? (fault.killedAt === undefined ? undefined : nextKill);
    return {
      component: fault.component,
      plannedAtSeconds: fault.plannedAtMs / 1000,
      killedAtSeconds: seconds(fault.killedAt),
      readyAtSeconds: seconds(fault.readyAt),
      downSeconds:
        fault.killedAt === undefined || fault.readyAt === undefined ? null : (fault.readyAt - fault.killedAt) / 1000,
      killedPid: fault.killedPid ?? null,
      newPid: fault.newPid ?? null,
      errorsWhileDown: tally(fault.killedAt, downUntil),
      errorsAfterReady: tally(
        fault.readyAt,
        fault.readyAt === undefined ? undefined : Math.max(fault.readyAt, nextKill),
      ),
      overlapsWith: times
        .filter((other) => other !== fault && downOverlap(fault, other))
        .map((other) => other.component),
      problem: fault.problem ?? null,
    };
  });
}

function downOverlap(a: FaultTimes, b: FaultTimes): boolean {
  if (a.killedAt === undefined || b.killedAt === undefined) return false;
  return a.killedAt < (b.readyAt ?? Infinity) && b.killedAt < (a.readyAt ?? Infinity);
}
