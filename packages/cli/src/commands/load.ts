// `orderflow load`: an open-loop load generator for a running orderflow, followed by the checks that the system kept
// its promises under that load (every order decided, stock conserved, duplicates replayed, one notification per
// event and channel, analytics in agreement). Exit 0 only when every check holds.
import { parseDuration } from '@orderflow/platform';
import { runChecks } from '../load/checks.ts';
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
  --json                    write the report as JSON on stdout
  -h, --help                show this help

The stock admin token is ADMIN_TOKEN, else the one orderflow up keeps in ORDERFLOW_DATA_DIR (default .orderflow/).
A progress line is shown on stderr when it is a terminal; Ctrl-C stops sending early and still runs the checks.`;

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
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(loadHelp);
    return 0;
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
  const token = findAdminToken(env);
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
    const loop = await runOpenLoop({
      rate: settings.rate,
      durationMs: settings.durationMs,
      concurrency: settings.concurrency,
      send: traffic.send,
      signal: stopEarly.signal,
    });
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
    });
    console.log(values.json ? JSON.stringify(report, null, 2) : formatReport(report));
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
