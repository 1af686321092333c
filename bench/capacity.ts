// Benchmark, not a test: the whole stack's capacity, the highest offered order rate at which `orderflow load` still
// passes all six checks with p99 ≤ 500 ms, found by steps of rising rate.
//
//   npm run bench -- capacity
//   BENCH_CAPACITY_STEPS=250,500,1000,1500,2000,3000,4000 BENCH_STEP_SECONDS=20 BENCH_STORE=sqlite \
//   BENCH_DRAIN_TIMEOUT=60s npm run bench -- capacity                            # the defaults
//   BENCH_RECORD=0 BENCH_CAPACITY_STEPS=250,1000 BENCH_STEP_SECONDS=5 npm run bench -- capacity   # a quick try
//   BENCH_CONCURRENCY=256 …     passes --concurrency to orderflow load (its default, 64, otherwise)
//   BENCH_CPU_PROF=<dir> …      every process of the stack writes a .cpuprofile there (NODE_OPTIONS=--cpu-prof);
//                               node bench/lib/cpu-profile-summary.ts <dir>/step-<rate> prints each one's top functions
//   BENCH_CAPACITY_ALL=1 …      runs every step, instead of stopping after two steps in a row that fail
//
// Each step starts the stack afresh as `npm start` runs it (startEmbeddedStack: orderflow up --json, the broker with
// its default fsync policy and the four services, on free ports in a new data directory, SQLite stores; with
// BENCH_STORE=redis a private non-persistent redis-server, bench/lib/redis.ts, new for each step), LOG_LEVEL=warn, so
// no step inherits another's backlog. Then `orderflow load --rate <step> --duration <BENCH_STEP_SECONDS>s --json`
// runs against it as a person runs it (its own process, its defaults: 20 products of 1000 units, 64 in flight), and
// its JSON report gives the achieved rate, latency from each order's scheduled send (p50/p99), late starts, drain time
// and the six checks. CPU per process is read from /proc/<pid>/stat (utime + stime) of the launcher, the broker, each
// service and the load generator, from spawning the load to its exit (stock setup, orders, drain and checks), given
// as cores (CPU seconds ÷ wall seconds) and as CPU µs per order sent. The plot (PNG, bench/lib/png-chart.ts) shows
// latency and achieved rate against offered rate; recorded runs keep it in bench/plots/.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type EmbeddedStack, startEmbeddedStack } from '../packages/cli/src/load/embedded-stack.ts';
import type { LoadReport } from '../packages/cli/src/load/load-report.ts';
import { serviceDefinitions } from '../packages/cli/src/services.ts';
import { interruptOnSignals } from './lib/interrupt.ts';
import { runOrderflowLoad } from './lib/orderflow-load.ts';
import { writeChart } from './lib/png-chart.ts';
import { cpuSeconds } from './lib/process-cpu.ts';
import { argvOf, processTree } from './lib/process-rss.ts';
import { benchRedis } from './lib/redis.ts';
import { stackProcessName } from './lib/stack-process-name.ts';
import { report } from './results.ts';

const STEPS = (process.env.BENCH_CAPACITY_STEPS ?? '250,500,1000,1500,2000,3000,4000')
  .split(',')
  .map((step) => Number(step.trim()));
const STEP_SECONDS = Number(process.env.BENCH_STEP_SECONDS ?? 20);
const STORE = process.env.BENCH_STORE ?? 'sqlite';
const DRAIN_TIMEOUT = process.env.BENCH_DRAIN_TIMEOUT ?? '60s';
const CONCURRENCY = process.env.BENCH_CONCURRENCY;
const CPU_PROF_DIR = process.env.BENCH_CPU_PROF;
const RUN_ALL = process.env.BENCH_CAPACITY_ALL === '1';
const P99_LIMIT_MS = 500;
/** Two failing steps in a row end the run: one could be a hiccup of a shared machine, two are the limit. */
const FAILURES_TO_STOP = 2;
const CPU_SAMPLE_MS = 250;

if (STORE !== 'redis' && STORE !== 'sqlite') throw new Error(`BENCH_STORE must be redis or sqlite, got '${STORE}'`);
if (STEPS.some((step) => !Number.isFinite(step) || step <= 0)) {
  throw new Error(`BENCH_CAPACITY_STEPS must be positive numbers, got '${process.env.BENCH_CAPACITY_STEPS}'`);
}

const root = fileURLToPath(new URL('..', import.meta.url));
const processNames = ['broker', ...serviceDefinitions.map((service) => service.name), 'launcher', 'load'];
const interrupted = interruptOnSignals();

/** The latest CPU reading of every process seen, by pid, with the name it is reported under. */
class CpuReadings {
  readonly first = new Map<number, number>();
  readonly last = new Map<number, { name: string; seconds: number }>();

  read(pid: number, name: string): void {
    const seconds = cpuSeconds(pid);
    if (seconds === undefined) return;
    if (!this.first.has(pid)) this.first.set(pid, seconds);
    this.last.set(pid, { name, seconds });
  }

  /** CPU seconds per process name between each process's first and last reading. */
  seconds(): Map<string, number> {
    const byName = new Map<string, number>();
    for (const [pid, { name, seconds }] of this.last) {
      byName.set(name, (byName.get(name) ?? 0) + seconds - this.first.get(pid)!);
    }
    return byName;
  }
}

interface Step {
  readonly offered: number;
  readonly report: LoadReport | undefined;
  readonly code: number | null;
  readonly stderr: string;
  readonly wallSeconds: number;
  /** CPU seconds by process name, from spawning the load to its exit. */
  readonly cpuSeconds: ReadonlyMap<string, number>;
  readonly restarted: readonly string[];
  /** The machine's 1-minute load average before the step: the figures of a shared machine need it beside them. */
  readonly loadAverage: number;
}

const passes = (step: Step) => step.report?.verdict === 'pass' && step.report.latencyMs.p99 <= P99_LIMIT_MS;

/** orderflow load at `rate` with the CPU of the stack's processes and the load's read every CPU_SAMPLE_MS. */
async function runLoad(
  stack: EmbeddedStack,
  dataDir: string,
  rate: number,
): Promise<Omit<Step, 'restarted' | 'loadAverage'>> {
  const readings = new CpuReadings();
  const readAll = (loadPid: number | undefined) => {
    for (const pid of processTree(stack.pid))
      readings.read(pid, stackProcessName(argvOf(pid) ?? [], pid === stack.pid));
    if (loadPid !== undefined) readings.read(loadPid, 'load');
  };
  readAll(undefined);
  const run = await runOrderflowLoad({
    stack,
    dataDir,
    rate,
    seconds: STEP_SECONDS,
    args: ['--drain-timeout', DRAIN_TIMEOUT, ...(CONCURRENCY === undefined ? [] : ['--concurrency', CONCURRENCY])],
    signal: interrupted,
    whileRunning: (loadPid) => {
      readAll(loadPid);
      const timer = setInterval(() => readAll(loadPid), CPU_SAMPLE_MS);
      return () => {
        clearInterval(timer);
        readAll(undefined);
      };
    },
  });
  return {
    offered: rate,
    report: run.report,
    code: run.code,
    stderr: run.stderr,
    wallSeconds: run.seconds,
    cpuSeconds: readings.seconds(),
  };
}

async function runStep(rate: number): Promise<Step> {
  const loadAverage = loadavg()[0]!;
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-capacity-'));
  const redis = STORE === 'redis' ? await benchRedis() : undefined;
  const env: Record<string, string> = { LOG_LEVEL: 'warn' };
  if (redis !== undefined) env.REDIS_URL = redis.url;
  if (CPU_PROF_DIR !== undefined) {
    const dir = join(CPU_PROF_DIR, `step-${rate}`);
    mkdirSync(dir, { recursive: true });
    env.NODE_OPTIONS = `--cpu-prof --cpu-prof-dir=${dir}`;
  }
  try {
    const stack = await startEmbeddedStack({ dataDir, env });
    let load: Omit<Step, 'restarted' | 'loadAverage'>;
    const pidsSeen = new Map<string, Set<number>>();
    try {
      for (const pid of processTree(stack.pid)) {
        const name = stackProcessName(argvOf(pid) ?? [], pid === stack.pid);
        pidsSeen.set(name, (pidsSeen.get(name) ?? new Set()).add(pid));
      }
      load = await runLoad(stack, dataDir, rate);
      for (const pid of processTree(stack.pid)) {
        const name = stackProcessName(argvOf(pid) ?? [], pid === stack.pid);
        pidsSeen.set(name, (pidsSeen.get(name) ?? new Set()).add(pid));
      }
    } finally {
      const code = await stack.stop();
      if (code !== 0) console.error(`orderflow up exited with ${code}:\n${stack.output().slice(-4000)}`);
    }
    return { ...load, loadAverage, restarted: [...pidsSeen].filter(([, pids]) => pids.size > 1).map(([name]) => name) };
  } finally {
    await redis?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function verdict(step: Step): string {
  const loadReport = step.report;
  if (loadReport === undefined) return `no report (exit ${step.code})`;
  const held = loadReport.checks.filter((check) => check.ok).length;
  return `${loadReport.verdict} (${held}/${loadReport.checks.length})`;
}

const cores = (step: Step, name: string) => ((step.cpuSeconds.get(name) ?? 0) / step.wallSeconds).toFixed(2);

function describe(step: Step): string {
  const r = step.report;
  if (r === undefined) return `  ${step.offered}/s: no report, exit ${step.code}: ${step.stderr.trim().slice(-2000)}`;
  return (
    `  ${step.offered}/s: achieved ${r.requests.achievedPerSecond.toFixed(0)}/s, p50 ${r.latencyMs.p50.toFixed(1)} ms, ` +
    `p99 ${r.latencyMs.p99.toFixed(1)} ms, ${r.schedule.lateStarts} late starts, drained in ` +
    `${r.drain.waitedSeconds.toFixed(1)} s, ${verdict(step)}, machine load ${step.loadAverage.toFixed(1)}${passes(step) ? '' : ' → not within capacity'}\n` +
    `    cores: ${processNames.map((name) => `${name} ${cores(step, name)}`).join(', ')}`
  );
}

async function main(): Promise<void> {
  console.log(
    `capacity: steps ${STEPS.join(', ')} orders/s, ${STEP_SECONDS} s each, store ${STORE}, a fresh stack per step`,
  );
  const steps: Step[] = [];
  let failuresInRow = 0;
  for (const rate of STEPS) {
    if (interrupted.aborted) break;
    const step = await runStep(rate);
    steps.push(step);
    console.log(describe(step));
    failuresInRow = passes(step) ? 0 : failuresInRow + 1;
    if (!RUN_ALL && failuresInRow >= FAILURES_TO_STOP) break;
  }
  if (steps.length === 0) return;

  const within = steps.filter(passes);
  const capacity = within.length === 0 ? undefined : Math.max(...within.map((step) => step.offered));
  const ms = (value: number | undefined) => (value === undefined || Number.isNaN(value) ? '-' : value.toFixed(1));
  const table = {
    headers: [
      'offered/s',
      'achieved/s',
      'p50 ms',
      'p99 ms',
      'late starts',
      'drain s',
      'checks',
      'within',
      ...processNames.map((name) => `${name.replace('-service', '')} cores`),
    ],
    rows: steps.map((step) => [
      step.offered,
      step.report === undefined ? '-' : step.report.requests.achievedPerSecond.toFixed(0),
      ms(step.report?.latencyMs.p50),
      ms(step.report?.latencyMs.p99),
      step.report?.schedule.lateStarts ?? '-',
      step.report === undefined ? '-' : step.report.drain.waitedSeconds.toFixed(1),
      verdict(step),
      passes(step) ? 'yes' : 'no',
      ...processNames.map((name) => cores(step, name)),
    ]),
  };

  const date = new Date().toISOString();
  const recording = process.env.BENCH_RECORD !== '0';
  const plotDir = recording ? join(root, 'bench', 'plots') : tmpdir();
  mkdirSync(plotDir, { recursive: true });
  const plotPath = join(plotDir, `capacity-${STORE}-${date.slice(0, 16).replace(/[-:T]/g, '')}.png`);
  const measured = steps.filter((step) => step.report !== undefined);
  const highest = Math.max(...steps.map((step) => step.offered));
  writeChart(plotPath, {
    title: `orderflow capacity, ${STORE} stores, ${date.slice(0, 16).replace('T', ' ')} UTC`,
    xLabel: 'offered orders/s',
    panels: [
      {
        title: 'latency from scheduled send',
        yLabel: 'ms (log)',
        logY: true,
        series: [
          { label: 'p50', color: [31, 119, 180], points: measured.map((s) => [s.offered, s.report!.latencyMs.p50]) },
          { label: 'p99', color: [214, 39, 40], points: measured.map((s) => [s.offered, s.report!.latencyMs.p99]) },
          {
            label: `p99 limit ${P99_LIMIT_MS}`,
            color: [120, 120, 120],
            dashed: true,
            points: [
              [0, P99_LIMIT_MS],
              [highest, P99_LIMIT_MS],
            ],
          },
        ],
      },
      {
        title: `achieved rate${capacity === undefined ? '' : `, capacity ${capacity}/s`}`,
        yLabel: 'orders/s',
        series: [
          {
            label: 'offered',
            color: [120, 120, 120],
            dashed: true,
            points: [
              [0, 0],
              [highest, highest],
            ],
          },
          {
            label: 'achieved',
            color: [44, 160, 44],
            points: measured.map((s) => [s.offered, s.report!.requests.achievedPerSecond]),
          },
        ],
      },
    ],
  });
  console.log(`plot: ${plotPath}`);

  const perOrder = steps.map(
    (step) =>
      `${step.offered}/s: ` +
      processNames
        .map((name) => {
          const sent = step.report?.requests.sent ?? 0;
          const us = sent > 0 ? ((step.cpuSeconds.get(name) ?? 0) * 1e6) / sent : Number.NaN;
          return `${name} ${Number.isNaN(us) ? '-' : us.toFixed(0)}`;
        })
        .join(', '),
  );
  const failures = steps.flatMap((step) => {
    const loadReport = step.report;
    if (loadReport === undefined) return [`${step.offered}/s: no report, exit ${step.code}`];
    const failed = loadReport.checks.filter((check) => !check.ok);
    return failed.length === 0
      ? []
      : [`${step.offered}/s: ${failed.map((check) => `${check.name} (${check.actual})`).join('; ')}`];
  });
  const restarts = steps.flatMap((step) => step.restarted.map((name) => `${name} at ${step.offered}/s`));
  const settings = steps.find((step) => step.report !== undefined)?.report?.settings;
  const notes = [
    `Capacity: ${capacity === undefined ? 'none of the steps' : `${capacity} orders/s`} (the highest step whose ` +
      `orderflow load passed all six checks with p99 ≤ ${P99_LIMIT_MS} ms).`,
    `Each step: a fresh stack (startEmbeddedStack, orderflow up --json, broker default fsync, LOG_LEVEL=warn, ` +
      `${STORE === 'redis' ? 'a private redis-server per step' : 'SQLite stores'}), then orderflow load --rate <step> ` +
      `--duration ${STEP_SECONDS}s --drain-timeout ${DRAIN_TIMEOUT}` +
      (settings === undefined
        ? ''
        : ` (${settings.products} products of ${settings.stock} units, at most ${settings.concurrency} in flight)`) +
      `; ${RUN_ALL ? 'every step run' : `stopped after ${FAILURES_TO_STOP} failing steps in a row`}.`,
    'Latency from each order\'s scheduled send to its answer (open loop); "late starts" are sends that began over 10 ' +
      'ms after their due time (no free slot of the in-flight limit, or a busy machine); drain is the wait after ' +
      'sending until every consumer caught up.',
    'Cores: CPU seconds (utime + stime, /proc) ÷ wall seconds from spawning the load to its exit (setup, orders, ' +
      `drain and checks). CPU µs per order sent: ${perOrder.join('; ')}.`,
    `Machine load average (1 min) before each step: ${steps.map((step) => `${step.offered}/s ${step.loadAverage.toFixed(1)}`).join(', ')}; the machine is shared, other work counts in it.`,
    ...(failures.length === 0 ? [] : [`Failed checks: ${failures.join('; ')}.`]),
    ...(restarts.length === 0 ? [] : [`RESTARTED by the launcher during the load: ${restarts.join(', ')}.`]),
    ...(CPU_PROF_DIR === undefined ? [] : [`Profiled (--cpu-prof into ${CPU_PROF_DIR}): figures include its cost.`]),
    `Plot: ![capacity](${recording ? relative(root, plotPath) : plotPath})`,
  ];
  report({ name: 'capacity', table, notes });
}

try {
  await main();
} catch (error) {
  if (!interrupted.aborted) throw error;
  process.exitCode = 130;
}
