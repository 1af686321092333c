// Benchmark, not a test: startup time and RSS (idle, under load) of the embedded stack, next to bare Node processes.
//
//   npm run bench -- stack
//   BENCH_SLICES=5 BENCH_IDLE_SECONDS=3 BENCH_RATE=200 BENCH_LOAD_SECONDS=10 npm run bench -- stack   # the defaults
//   BENCH_RECORD=0 BENCH_SLICES=2 BENCH_LOAD_SECONDS=3 npm run bench -- stack                          # a quick try
//
// The stack is what `npm start` runs, the broker and the four services, started as `orderflow up` is
// (startEmbeddedStack: packages/cli/src/bin.ts up --json, on free ports, in a fresh data directory with the SQLite
// stores npm start uses by default) and timed from spawning it to its "orderflow is up" line, which it prints once
// every service answers /health/ready. The reference is the floor any stack of Node 24 processes pays
// (bench/lib/bare-node-stack.ts): a launcher and one bare process per process of ours, each only opening an HTTP
// server, started in the same order (the broker's stand-in first, then the four others together).
//
// In each slice, in turn (who goes first alternates): the stack starts, stays idle for BENCH_IDLE_SECONDS, is read
// for its idle RSS (VmRSS summed over the launcher and all its descendants, the median of five readings 250 ms apart),
// then takes `orderflow load` at BENCH_RATE orders/s for BENCH_LOAD_SECONDS s, read every 250 ms from spawning the
// load until it exits, and stops; the bare stack starts, stays idle as long, is read the same way and stops. Every
// ratio is ours / bare within one slice, reported as min/median/max over slices. The RSS ratios under load are over
// the bare stack's idle RSS, the floor, since bare processes have nothing to do with orders.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { type EmbeddedStack, startEmbeddedStack } from '../packages/cli/src/load/embedded-stack.ts';
import type { LoadReport } from '../packages/cli/src/load/load-report.ts';
import { serviceDefinitions } from '../packages/cli/src/services.ts';
import { startBareNodeStack } from './lib/bare-node-stack.ts';
import { interruptOnSignals } from './lib/interrupt.ts';
import { type LoadRun, runOrderflowLoad } from './lib/orderflow-load.ts';
import { sampleTreeMemory, totalMiB, type TreeMemory } from './lib/process-rss.ts';
import { stackProcessName } from './lib/stack-process-name.ts';
import { report, spread } from './results.ts';

const SLICES = Number(process.env.BENCH_SLICES ?? 5);
const RATE = Number(process.env.BENCH_RATE ?? 200);
const LOAD_SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 10);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 3);
const SAMPLE_INTERVAL_MS = 250;
const IDLE_READINGS = 5;

const serviceNames = serviceDefinitions.map((service) => service.name);
/** Every process of the stack by the name it is reported under, in the order it is started. */
const processNames = ['launcher', 'broker', ...serviceNames];

/**
 * Ctrl-C or SIGTERM: each step then stops what it started, in the order it would have, so that nothing is left. The
 * stack's launcher is in a process group of its own and would not see a Ctrl-C; a stack still starting is stopped
 * once it is up.
 */
const interrupted = { signal: interruptOnSignals() };

const pause = (ms: number) => delay(ms, undefined, { signal: interrupted.signal });

/** The name a process of a tree is reported under; the launcher is the tree's root. */
type ProcessNamer = (argv: readonly string[], isRoot: boolean) => string;

/** The bare stand-ins are given the name of the process they stand in for as their last argument. */
const bareProcessName: ProcessNamer = (argv, isRoot) => (isRoot ? 'launcher' : (argv.at(-1) ?? '?'));

/** MiB per process name in one reading of the tree under `rootPid`. */
function byProcess(tree: TreeMemory, rootPid: number, nameOf: ProcessNamer): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const { argv, pid, rssMiB } of tree) {
    const name = nameOf(argv, pid === rootPid);
    sizes.set(name, (sizes.get(name) ?? 0) + rssMiB);
  }
  return sizes;
}

const median = (values: readonly number[]) => spread(values).median;

interface Idle {
  readonly totalMiB: number;
  readonly byProcess: ReadonlyMap<string, number>;
  readonly processes: number;
}

/** After IDLE_SECONDS, the median of IDLE_READINGS readings: one reading could land on a collection. */
async function idleMemory(rootPid: number, nameOf: ProcessNamer): Promise<Idle> {
  await pause(IDLE_SECONDS * 1000);
  const sampler = sampleTreeMemory(rootPid, SAMPLE_INTERVAL_MS);
  let readings: TreeMemory[];
  try {
    await pause(SAMPLE_INTERVAL_MS * (IDLE_READINGS - 1) + SAMPLE_INTERVAL_MS / 2);
  } finally {
    readings = sampler.stop();
  }
  const perProcess = readings.map((tree) => byProcess(tree, rootPid, nameOf));
  return {
    totalMiB: median(readings.map(totalMiB)),
    byProcess: new Map(
      [...perProcess[0]!.keys()].map((name) => [name, median(perProcess.map((sizes) => sizes.get(name) ?? 0))]),
    ),
    processes: median(readings.map((tree) => tree.length)),
  };
}

interface LoadWithMemory extends LoadRun {
  readonly readings: readonly TreeMemory[];
}

/** `orderflow load` against the stack, with the stack's RSS read every SAMPLE_INTERVAL_MS while it runs. */
async function runLoad(stack: EmbeddedStack, dataDir: string): Promise<LoadWithMemory> {
  let readings: TreeMemory[] = [];
  const run = await runOrderflowLoad({
    stack,
    dataDir,
    rate: RATE,
    seconds: LOAD_SECONDS,
    signal: interrupted.signal,
    whileRunning: () => {
      const sampler = sampleTreeMemory(stack.pid, SAMPLE_INTERVAL_MS);
      return () => {
        readings = sampler.stop();
      };
    },
  });
  interrupted.signal.throwIfAborted();
  return { ...run, readings };
}

interface StackSlice {
  readonly startupMs: number;
  readonly idle: Idle;
  /** Total RSS of each reading while the load ran. */
  readonly loadTotals: readonly number[];
  /** MiB per process name in each reading while the load ran. */
  readonly loadByProcess: readonly ReadonlyMap<string, number>[];
  /** Names of processes that were seen with more than one pid: the launcher restarted them. */
  readonly restarted: readonly string[];
  readonly load: LoadWithMemory;
  readonly stopCode: number | null;
}

interface BareSlice {
  readonly startupMs: number;
  readonly idle: Idle;
}

async function measureStack(measureLoad: boolean): Promise<StackSlice> {
  interrupted.signal.throwIfAborted();
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-stack-'));
  try {
    const stack = await startEmbeddedStack({ dataDir });
    let stopCode: number | null;
    let idle: Idle;
    let load: LoadWithMemory | undefined;
    try {
      idle = await idleMemory(stack.pid, stackProcessName);
      if (measureLoad) load = await runLoad(stack, dataDir);
    } finally {
      stopCode = await stack.stop();
    }
    const readings = load?.readings ?? [];
    const pids = new Map<string, Set<number>>();
    for (const tree of readings) {
      for (const { argv, pid } of tree) {
        const name = stackProcessName(argv, pid === stack.pid);
        pids.set(name, (pids.get(name) ?? new Set()).add(pid));
      }
    }
    return {
      startupMs: stack.startupMs,
      idle,
      loadTotals: readings.map(totalMiB),
      loadByProcess: readings.map((tree) => byProcess(tree, stack.pid, stackProcessName)),
      restarted: [...pids].filter(([, seen]) => seen.size > 1).map(([name]) => name),
      load: load ?? { report: undefined, code: null, stderr: '', seconds: 0, readings: [] },
      stopCode,
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function measureBare(): Promise<BareSlice> {
  interrupted.signal.throwIfAborted();
  const bare = await startBareNodeStack('broker', serviceNames);
  try {
    return { startupMs: bare.startupMs, idle: await idleMemory(bare.pid, bareProcessName) };
  } finally {
    await bare.stop();
  }
}

function describe(stack: StackSlice, bare: BareSlice): string {
  const verdict = stack.load.report?.verdict ?? `no report (exit ${stack.load.code})`;
  const load = spread(stack.loadTotals);
  return (
    `  orderflow up  ready in ${stack.startupMs.toFixed(0)} ms · idle ${stack.idle.totalMiB.toFixed(0)} MiB ` +
    `(${stack.idle.processes} processes) · under load median ${load.median.toFixed(0)} MiB, peak ` +
    `${load.max.toFixed(0)} MiB · load ${verdict}\n` +
    `  bare Node     ready in ${bare.startupMs.toFixed(0)} ms · idle ${bare.idle.totalMiB.toFixed(0)} MiB ` +
    `(${bare.idle.processes} processes)`
  );
}

async function main(): Promise<void> {
  console.log(
    `${SLICES} slices: orderflow up, ${IDLE_SECONDS} s idle, orderflow load at ${RATE}/s for ${LOAD_SECONDS} s; ` +
      `bare Node stack of ${processNames.length} processes, ${IDLE_SECONDS} s idle`,
  );
  // The first start of each pays for cold file caches alone; it is not counted.
  console.log('warming up: one unmeasured start of each');
  await measureStack(false);
  await measureBare();

  const stackSlices: StackSlice[] = [];
  const bareSlices: BareSlice[] = [];
  for (let slice = 0; slice < SLICES; slice++) {
    // Who goes first alternates, so a trend across the run (other work on the machine) does not always favour one.
    let stack: StackSlice;
    let bare: BareSlice;
    if (slice % 2 === 0) {
      stack = await measureStack(true);
      bare = await measureBare();
    } else {
      bare = await measureBare();
      stack = await measureStack(true);
    }
    stackSlices.push(stack);
    bareSlices.push(bare);
    console.log(`slice ${slice + 1}/${SLICES}`);
    console.log(describe(stack, bare));
  }

  const slices = stackSlices.map((stack, slice) => ({ stack, bare: bareSlices[slice]! }));
  type Pair = (typeof slices)[number];
  const row = (metric: string, ours: (pair: Pair) => number, reference: (pair: Pair) => number, digits: number) => {
    const ratios = spread(slices.map((pair) => ours(pair) / reference(pair)));
    return [
      metric,
      median(slices.map(ours)).toFixed(digits),
      median(slices.map(reference)).toFixed(digits),
      ratios.min.toFixed(2),
      ratios.median.toFixed(2),
      ratios.max.toFixed(2),
    ];
  };
  const bareIdle = (pair: Pair) => pair.bare.idle.totalMiB;
  const table = {
    headers: [
      'metric (median of slices)',
      'orderflow up',
      `bare Node ×${processNames.length}`,
      'ratio min',
      'ratio median',
      'ratio max',
    ],
    rows: [
      row(
        'startup ms (spawn → all ready)',
        (pair) => pair.stack.startupMs,
        (pair) => pair.bare.startupMs,
        0,
      ),
      row('RSS MiB idle, all processes', (pair) => pair.stack.idle.totalMiB, bareIdle, 0),
      row('RSS MiB under load, median reading', (pair) => median(pair.stack.loadTotals), bareIdle, 0),
      row('RSS MiB under load, peak reading', (pair) => spread(pair.stack.loadTotals).max, bareIdle, 0),
    ],
  };

  const perProcess = processNames.map((name) => {
    const idle = median(stackSlices.map((stack) => stack.idle.byProcess.get(name) ?? 0));
    const underLoad = stackSlices.map((stack) => stack.loadByProcess.map((sizes) => sizes.get(name) ?? 0));
    const loadMedian = median(underLoad.map((readings) => median(readings)));
    const loadPeak = median(underLoad.map((readings) => spread(readings).max));
    return `${name} ${idle.toFixed(0)} / ${loadMedian.toFixed(0)} / ${loadPeak.toFixed(0)}`;
  });
  const barePerProcess = processNames.map(
    (name) => `${name} ${median(bareSlices.map((bare) => bare.idle.byProcess.get(name) ?? 0)).toFixed(0)}`,
  );

  const reports = stackSlices.map((stack) => stack.load.report);
  const passed = reports.filter((loadReport) => loadReport?.verdict === 'pass').length;
  const failures = stackSlices.flatMap((stack, slice) => {
    const loadReport = stack.load.report;
    if (loadReport?.verdict === 'pass') return [];
    const why =
      loadReport === undefined
        ? `no report, exit ${stack.load.code}: ${stack.load.stderr.trim()}`
        : `failed ${loadReport.checks
            .filter((check) => !check.ok)
            .map((check) => check.name)
            .join(', ')}`;
    return [`slice ${slice + 1}: ${why}`];
  });
  const fromReports = (pick: (loadReport: LoadReport) => number, digits: number) =>
    median(reports.filter((loadReport) => loadReport !== undefined).map(pick)).toFixed(digits);
  const settings = reports.find((loadReport) => loadReport !== undefined)?.settings;
  const loadSettings =
    settings === undefined
      ? 'its defaults'
      : `${settings.products} products of ${settings.stock} units, at most ${settings.concurrency} requests in flight, ` +
        `${settings.duplicates} duplicates`;
  const restarts = stackSlices.flatMap((stack, slice) =>
    stack.restarted.map((name) => `${name} in slice ${slice + 1}`),
  );
  const unclean = stackSlices.flatMap((stack, slice) =>
    stack.stopCode === 0 ? [] : [`slice ${slice + 1}: exit ${stack.stopCode}`],
  );

  const notes = [
    `Ratios are orderflow up / bare Node within each of ${SLICES} slices, alternating which starts first, after one ` +
      'unmeasured start of each.',
    'orderflow up: startEmbeddedStack (packages/cli/src/load/embedded-stack.ts), packages/cli/src/bin.ts up --json ' +
      `on free ports, a fresh data directory in ${tmpdir()} each time (the broker creates its topics at every start), ` +
      `SQLite stores, LOG_LEVEL ${process.env.LOG_LEVEL ?? 'unset (info)'}. Startup runs from spawning it to its ` +
      '"orderflow is up" line; npm\'s own start and the Node version check `npm start` makes first are not counted.',
    `Bare Node: bench/lib/bare-node-process.ts, a launcher and ${processNames.length - 1} processes that each open a ` +
      'node:http server; the launcher starts the first and waits until it listens, then the other four and waits ' +
      'until each has answered one GET. Type stripping of a .ts entry included, as for ours.',
    `RSS: VmRSS summed over the launcher and all its descendants. Idle: ${IDLE_SECONDS} s after ready, the median of ` +
      `${IDLE_READINGS} readings ${SAMPLE_INTERVAL_MS} ms apart. Under load: a reading every ${SAMPLE_INTERVAL_MS} ms ` +
      `from spawning orderflow load to its exit (${median(stackSlices.map((stack) => stack.load.seconds)).toFixed(1)} s: ` +
      `stock setup, ${LOAD_SECONDS} s of orders, ${fromReports((r) => r.drain.waitedSeconds, 1)} s drain and checks; ` +
      "medians), the load generator itself not counted. The RSS ratios are all over the bare stack's idle RSS.",
    `RSS per process, MiB, median of slices, idle / under load median / under load peak: ${perProcess.join(', ')}. ` +
      `Bare Node, idle: ${barePerProcess.join(', ')}.`,
    `Load: orderflow load --rate ${RATE} --duration ${LOAD_SECONDS}s (${loadSettings}): verdict pass in ${passed} ` +
      `of ${SLICES} slices` +
      (failures.length === 0 ? '' : ` (FAILED: ${failures.join('; ')})`) +
      `; achieved ${fromReports((r) => r.requests.achievedPerSecond, 1)} orders/s, latency p50 ` +
      `${fromReports((r) => r.latencyMs.p50, 1)} ms, p99 ${fromReports((r) => r.latencyMs.p99, 1)} ms (medians of slices).`,
    ...(restarts.length === 0 ? [] : [`RESTARTED by the launcher during the load: ${restarts.join(', ')}.`]),
    ...(unclean.length === 0 ? [] : [`orderflow up did not exit 0 on SIGTERM: ${unclean.join(', ')}.`]),
  ];
  report({ name: 'stack', table, notes });
  // A figure is only worth having from a stack that kept its promises under the load.
  if (failures.length > 0) {
    console.error(`\norderflow load failed: ${failures.join('; ')}`);
    process.exitCode = 1;
  }
}

try {
  await main();
} catch (error) {
  if (!interrupted.signal.aborted) throw error;
  process.exitCode = 130;
}
