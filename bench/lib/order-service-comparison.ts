// What the benchmarks that put order-service (bench/lib/order-service.ts) beside a reference share: the same knobs,
// slices of autocannon load that alternate with the reference's, and one table of rate and latency ratios. Imported
// as a namespace (`comparison.run`, `comparison.table`), so its short names read whole where they are used.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FsyncPolicy } from '@orderflow/broker';
import type { Table } from '../results.ts';
import { interruptOnSignals } from './interrupt.ts';
import {
  countOrderTopic,
  type HttpSlice,
  orderSequence,
  type OrderServiceUnderLoad,
  postOrders,
  startOrderService,
  type TopicCounter,
} from './order-service.ts';
import { atLeast, comparisonRow, percentile } from './slices.ts';

export interface Settings {
  /** BENCH_SLICES: slices per side. */
  readonly slices: number;
  /** BENCH_SLICE_SECONDS: the length of one side's slice. */
  readonly sliceSeconds: number;
  /** BENCH_WARMUP_SECONDS: load on each side before the first slice, not counted. */
  readonly warmupSeconds: number;
  /** BENCH_CONNECTIONS: autocannon connections, and as many callers on the reference's side. */
  readonly connections: number;
  /** BENCH_BROKER_FSYNC: the broker's --fsync policy; unset keeps its default. */
  readonly brokerFsync: FsyncPolicy | undefined;
}

export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): Settings {
  return {
    slices: Number(env.BENCH_SLICES ?? 5),
    sliceSeconds: Number(env.BENCH_SLICE_SECONDS ?? 5),
    warmupSeconds: Number(env.BENCH_WARMUP_SECONDS ?? 3),
    connections: Number(env.BENCH_CONNECTIONS ?? 32),
    brokerFsync: env.BENCH_BROKER_FSYNC as FsyncPolicy | undefined,
  };
}

/** One side's slice: answers per second within it and their latency. */
export interface RateSlice {
  readonly rate: number;
  readonly p50: number;
  readonly p99: number;
}

/** An autocannon slice counted by its 202 answers. */
export const acceptedRate = (result: HttpSlice): RateSlice => ({
  rate: result.accepted / result.seconds,
  p50: percentile(result.latenciesMs, 0.5),
  p99: percentile(result.latenciesMs, 0.99),
});

/** Rate (goal: order-service ÷ reference ≥ goalRatio, median of slices), p50 and p99 rows. */
export function table(
  slices: { readonly ours: readonly RateSlice[]; readonly reference: readonly RateSlice[] },
  labels: { readonly reference: string; readonly rate: string },
  goalRatio: number,
): Table {
  return {
    headers: [
      'metric (median of slices)',
      'order-service',
      labels.reference,
      'ratio min',
      'ratio median',
      'ratio max',
      'goal (median)',
    ],
    rows: [
      comparisonRow(labels.rate, slices, (s) => s.rate, 0, atLeast(goalRatio)),
      comparisonRow('latency p50 ms', slices, (s) => s.p50, 2),
      comparisonRow('latency p99 ms', slices, (s) => s.p99, 2),
    ],
  };
}

/** How order-service ran, for a benchmark's notes. */
export function describeOrderService(settings: Settings): string {
  const fsync = settings.brokerFsync === undefined ? 'its default fsync policy' : `--fsync ${settings.brokerFsync}`;
  return `services/order-service/src/main.ts, LOG_LEVEL=warn, on our broker (packages/broker/src/bin.ts, ${fsync})`;
}

export interface Run {
  /** Aborted by Ctrl-C or SIGTERM. */
  readonly interrupted: AbortSignal;
  readonly stack: OrderServiceUnderLoad;
  /** Counts the records on order-topic, each a promise order-service kept. */
  readonly topic: TopicCounter;
  /** A new order's POST body each call. */
  readonly nextBody: () => string;
  /** autocannon at `url` for `seconds`, with the settings' connections, each request a new order. */
  load(url: string, seconds: number): Promise<HttpSlice>;
}

/**
 * Starts order-service and an order-topic counter in a fresh data directory, runs `measure` with them, and stops
 * everything and removes the directory however it ends. An error after Ctrl-C is the interruption's doing (the child
 * processes stop too) and ends the run with exit code 130 instead.
 */
export async function run(name: string, settings: Settings, measure: (run: Run) => Promise<void>): Promise<void> {
  const interrupted = interruptOnSignals();
  const dataDir = mkdtempSync(join(tmpdir(), `bench-${name}-`));
  const nextOrder = orderSequence();
  const nextBody = () => JSON.stringify(nextOrder());
  let stack: OrderServiceUnderLoad | undefined;
  let topic: TopicCounter | undefined;
  try {
    stack = await startOrderService({ dataDir, fsync: settings.brokerFsync, signal: interrupted });
    topic = countOrderTopic(stack.bootstrap, interrupted);
    const load = (url: string, seconds: number) =>
      postOrders(url, { seconds, connections: settings.connections, nextBody, signal: interrupted });
    await measure({ interrupted, stack, topic, nextBody, load });
  } catch (error) {
    if (!interrupted.aborted) throw error;
  } finally {
    await topic?.close();
    await stack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    if (interrupted.aborted) process.exitCode = 130;
  }
}
