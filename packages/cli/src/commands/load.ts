// `orderflow load`: an open-loop load generator for a running orderflow, followed by the checks that the system kept
// its promises under that load (every order decided, stock conserved, duplicates replayed, one notification per
// event and channel, analytics in agreement). Exit 0 only when every check holds.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseDuration } from '@orderflow/platform';
import { readAdminToken } from '../launcher/admin-token.ts';
import { isLauncherRunning, processRegistryPath } from '../launcher/process-registry.ts';
import { runChecks } from '../load/checks.ts';
import { type EmbeddedStack, startEmbeddedStack } from '../load/embedded-stack.ts';
import { type FaultInjection, faultOutcomes, injectFaults } from '../load/fault-injector.ts';
import { FAULT_COMPONENTS, type PlannedFault, parseFaultPlan } from '../load/fault-plan.ts';
import { HttpClient } from '../load/http-client.ts';
import { createLoadPlan } from '../load/load-plan.ts';
import { buildReport, formatReport, type LoadSettings } from '../load/load-report.ts';
import { runOpenLoop } from '../load/open-loop.ts';
import { OrderTraffic } from '../load/order-traffic.ts';
import { startProgressLine } from '../load/progress-line.ts';
import { settle } from '../load/settlement.ts';
import { findAdminToken, StockSetupError, setStock } from '../load/stock-setup.ts';
import { parseCommandArgs, positiveInteger } from '../parse-command-args.ts';
import { UsageError } from '../usage-error.ts';

export const loadHelp = `Usage: orderflow load [options]

Sends orders at a fixed rate (open loop: latency counts from each order's scheduled time), then waits for the
consumers to catch up and checks that the system stayed consistent. Exit 0 only when every check holds.

Options:
  --rate <n>                orders per second (default 100)
  --duration <d>            how long to send, e.g. 30s, 2m (default 10s)
  --products <n>            products of this run, named L<run id>-001.. (default 20)
  --stock <n>               starting stock of each product, set through stock-service (default 1000)
  --concurrency <n>         most requests in flight (default 64)
  --duplicates <f>          share of accepted orders sent again with the same Idempotency-Key, 0-1 (default 0)
  --target <url>            order-service (default http://127.0.0.1:8081)
  --stock-url <url>         stock-service (default http://127.0.0.1:8082)
  --notifications-url <url> notification-service (default http://127.0.0.1:8083)
  --analytics-url <url>     analytics-service (default http://127.0.0.1:8084)
  --drain-timeout <d>       longest wait for the consumers after the run (default 120s)
  --embedded                start a stack of its own for this run (orderflow up on free ports, SQLite in a
                            temporary data directory, removed afterwards) instead of using the URLs above
  --faults <plan>           kill components during the run, e.g. broker@8s,stock-service@16s: SIGKILL at that
                            time after the first order; orderflow up restarts them. Components: ${FAULT_COMPONENTS.join(', ')}.
                            Each time must be within --duration
  --json                    write the report as JSON on stdout
  -h, --help                show this help

The stock admin token is ADMIN_TOKEN, else the one orderflow up keeps in ORDERFLOW_DATA_DIR (default .orderflow/).
A progress line is shown on stderr when it is a terminal; Ctrl-C stops sending early and still runs the checks.

Faults: without --embedded they are done to the orderflow up running with the same ORDERFLOW_DATA_DIR, which lists
its children's pids in <data dir>/processes/ (one JSON file each, rewritten at every restart). The report gives each
fault's kill time, when the component was ready again (its /health/ready answered 200; for the broker, a metadata
request answered), the client errors while it was down and after, then the six checks. A fault that could not be
done, or whose component did not come back within --drain-timeout, fails the run.`;

const REQUEST_TIMEOUT_MS = 30_000;
/** Requests in flight while the checks poll the services: enough to be quick, few enough not to swamp them. */
const POLL_CONCURRENCY = 16;

export async function load(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values } = parseCommandArgs('load', args, {
    rate: { type: 'string' },
    duration: { type: 'string' },
    products: { type: 'string' },
    stock: { type: 'string' },
    concurrency: { type: 'string' },
    duplicates: { type: 'string' },
    target: { type: 'string' },
    'stock-url': { type: 'string' },
    'notifications-url': { type: 'string' },
    'analytics-url': { type: 'string' },
    'drain-timeout': { type: 'string' },
    embedded: { type: 'boolean' },
    faults: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(loadHelp);
    return 0;
  }
  const embedded = values.embedded === true;
  if (embedded) {
    const given = ['target', 'stock-url', 'notifications-url', 'analytics-url'].filter(
      (flag) => values[flag as 'target'] !== undefined,
    );
    if (given.length > 0) {
      throw new UsageError(`orderflow load: --embedded runs its own stack: leave out --${given.join(', --')}`);
    }
  }
  const settings: LoadSettings = {
    rate: positiveNumber('rate', values.rate, 100),
    durationMs: duration('duration', values.duration, 10_000),
    products: positiveInteger('load', 'products', values.products, 20),
    stock: nonNegativeInteger('stock', values.stock, 1000),
    concurrency: positiveInteger('load', 'concurrency', values.concurrency, 64),
    duplicates: share('duplicates', values.duplicates, 0),
    target: url('target', values.target, 'http://127.0.0.1:8081'),
    stockUrl: url('stock-url', values['stock-url'], 'http://127.0.0.1:8082'),
    notificationsUrl: url('notifications-url', values['notifications-url'], 'http://127.0.0.1:8083'),
    analyticsUrl: url('analytics-url', values['analytics-url'], 'http://127.0.0.1:8084'),
  };
  const drainTimeoutMs = duration('drain-timeout', values['drain-timeout'], 120_000);
  const faults: PlannedFault[] = values.faults === undefined ? [] : parseFaultPlan(values.faults, settings.durationMs);
  if (embedded) return loadEmbedded(settings, drainTimeoutMs, faults, values.json === true);
  const dataDir = resolve(env.ORDERFLOW_DATA_DIR ?? '.orderflow');
  if (faults.length > 0 && !isLauncherRunning(dataDir)) {
    console.error(
      `orderflow load: --faults needs the orderflow up that runs the stack: none is running with the data directory ` +
        `${dataDir} (no live launcher in ${processRegistryPath(dataDir)}); set ORDERFLOW_DATA_DIR, or use --embedded`,
    );
    return 1;
  }
  return run({ settings, drainTimeoutMs, faults, json: values.json === true, dataDir, token: findAdminToken(env) });
}

/** --embedded: the run against a stack of its own, started for it and removed after it. */
async function loadEmbedded(
  settings: LoadSettings,
  drainTimeoutMs: number,
  faults: readonly PlannedFault[],
  json: boolean,
): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'orderflow-load-'));
  let stack: EmbeddedStack | undefined;
  try {
    // Quiet services: the notification log channel would otherwise print a line per notification.
    stack = await startEmbeddedStack({ dataDir, env: { LOG_LEVEL: 'warn' } });
    console.error(`orderflow load: embedded stack up in ${(stack.startupMs / 1000).toFixed(1)} s (data in ${dataDir})`);
    const { urls } = stack;
    return await run({
      settings: {
        ...settings,
        target: urls['order-service']!,
        stockUrl: urls['stock-service']!,
        notificationsUrl: urls['notification-service']!,
        analyticsUrl: urls['analytics-service']!,
      },
      drainTimeoutMs,
      faults,
      json,
      dataDir,
      token: readAdminToken(dataDir),
    });
  } finally {
    await stack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function run(input: {
  settings: LoadSettings;
  drainTimeoutMs: number;
  faults: readonly PlannedFault[];
  json: boolean;
  dataDir: string;
  token: string | undefined;
}): Promise<number> {
  const { settings, drainTimeoutMs, token } = input;
  if (token === undefined) {
    console.error(
      'orderflow load: no stock admin token: set ADMIN_TOKEN, or ORDERFLOW_DATA_DIR to the directory orderflow up uses',
    );
    return 1;
  }

  const plan = createLoadPlan(settings.products);
  const productPrefix = `L${plan.runId}-`;
  const client = new HttpClient({ maxSockets: settings.concurrency, timeoutMs: REQUEST_TIMEOUT_MS });
  const stopEarly = new AbortController();
  const onSignal = () => {
    if (stopEarly.signal.aborted) process.exit(130);
    stopEarly.abort();
  };
  process.on('SIGINT', onSignal);
  try {
    try {
      await setStock(client, settings.stockUrl, token, plan.productIds, settings.stock);
    } catch (error) {
      if (!(error instanceof StockSetupError)) throw error;
      console.error(`orderflow load: ${error.message}`);
      return 1;
    }
    const traffic = new OrderTraffic({ client, target: settings.target, plan, duplicates: settings.duplicates });
    const progress = startProgressLine(traffic);
    const startedAt = performance.now();
    const injection: FaultInjection | undefined =
      input.faults.length === 0
        ? undefined
        : injectFaults({
            dataDir: input.dataDir,
            faults: input.faults,
            startedAt,
            readyTimeoutMs: drainTimeoutMs,
            signal: stopEarly.signal,
          });
    const loop = await runOpenLoop({
      rate: settings.rate,
      durationMs: settings.durationMs,
      concurrency: settings.concurrency,
      send: traffic.send,
      signal: stopEarly.signal,
    });
    // Every killed component must be back before the checks ask the services.
    if (injection !== undefined) progress.say('waiting for the killed components to be ready again');
    const faultTimes = (await injection?.finished()) ?? [];
    const settlement = await settle({
      client,
      urls: {
        orders: settings.target,
        stock: settings.stockUrl,
        notifications: settings.notificationsUrl,
        analytics: settings.analyticsUrl,
      },
      traffic,
      productIds: plan.productIds,
      timeoutMs: drainTimeoutMs,
      concurrency: POLL_CONCURRENCY,
      onProgress: (stage, remaining) => progress.say(`waiting for the consumers: ${remaining} ${stage}`),
    });
    progress.stop();
    const checks = runChecks(settlement, plan.productIds, settings.stock, traffic.tally.duplicates);
    const report = buildReport({
      runId: plan.runId,
      productPrefix,
      settings,
      tally: traffic.tally,
      loop,
      settlement,
      checks,
      faults: faultOutcomes(faultTimes, traffic.failures, startedAt),
    });
    console.log(input.json ? JSON.stringify(report, null, 2) : formatReport(report));
    return report.verdict === 'pass' ? 0 : 1;
  } finally {
    process.off('SIGINT', onSignal);
    client.close();
  }
}

function positiveNumber(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new UsageError(`orderflow load: --${flag} must be a positive number, got '${raw}'`);
  }
  return value;
}

function nonNegativeInteger(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new UsageError(`orderflow load: --${flag} must be a whole number >= 0, got '${raw}'`);
  }
  return value;
}

function share(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new UsageError(`orderflow load: --${flag} must be a number from 0 to 1, got '${raw}'`);
  }
  return value;
}

function duration(flag: string, raw: string | undefined, fallbackMs: number): number {
  if (raw === undefined) return fallbackMs;
  // A bare number would be milliseconds to parseDuration: too easy to misread as seconds, so a unit is required.
  const value = /[a-z]\s*$/i.test(raw) ? parseDuration(raw) : undefined;
  if (value === undefined || value <= 0) {
    throw new UsageError(`orderflow load: --${flag} must be a duration such as 500ms, 30s or 2m, got '${raw}'`);
  }
  return value;
}

function url(flag: string, raw: string | undefined, fallback: string): string {
  const text = raw ?? fallback;
  try {
    const parsed = new URL(text);
    if (parsed.protocol !== 'http:') throw new Error('not http');
    return parsed.origin;
  } catch {
    throw new UsageError(`orderflow load: --${flag} must be an http:// URL, got '${text}'`);
  }
}
