// `orderflow rebuild analytics-service`: throws the analytics view away and recounts it from the retained events.
// The service does the work (POST /admin/rebuild: stop its consumer, rewind its group, clear its store, consume
// again), so the same command works against compose, Kubernetes or Apache Kafka; this command asks for it, waits
// until the group has caught up (its lag, read with standard Kafka APIs) and compares /stats before and after.
import { Admin } from '@platformatic/kafka';
import { formatTable } from '../format-table.ts';
import { type GroupReport, readGroupReports } from '../kafka/group-reports.ts';
import { kafkaClientSettings } from '../kafka/kafka-client-options.ts';
import { kafkaErrorMessage } from '../kafka/kafka-error-message.ts';
import { findAdminToken } from '../load/stock-setup.ts';
import { parseCommandArgs, positiveDuration } from '../parse-command-args.ts';
import { UsageError } from '../usage-error.ts';

const SERVICE = 'analytics-service';
const DEFAULT_ANALYTICS_PORT = 8084;
const DEFAULT_TIMEOUT_MS = 120_000;
const HTTP_TIMEOUT_MS = 30_000;
const POLL_MS = 250;
// GET /stats lists at most this many products (its own maximum).
const MAX_TOP = 100;

export const rebuildHelp = `Usage: orderflow rebuild analytics-service [--target <url>] [--timeout <duration>] [--json]

Rebuilds analytics-service's statistics from the events still in Kafka. The statistics are derived data, so they
can be thrown away and recomputed: the service stops its consumer, rewinds the group '${SERVICE}' to the earliest
offsets, clears its counters and remembered event ids, and consumes again. This command asks the service for it
(POST /admin/rebuild with the admin token), waits until the group has caught up (lag 0) and prints the statistics
before and after, per product and in total.

Only analytics-service can be rebuilt: stock levels and sent notifications are effects, not views. Events older than
the topics' retention (retention.ms, 7 days by default) are gone, and a rebuild cannot count them again; the command
says so when it counted fewer events than the view held. Run one analytics-service instance while it
rebuilds: the group is rewound only when no other instance consumes.

Options:
  --target <url>        analytics-service (default http://127.0.0.1:$ANALYTICS_SERVICE_PORT, else :${DEFAULT_ANALYTICS_PORT})
  --timeout <duration>  how long to wait for the group to catch up (default 2m)
  --json                one JSON document instead of tables
  -h, --help            show this help

Exits 1 when the service refuses or fails the rebuild, when the group does not catch up in time, or when fewer
events were counted than before (they are gone from the log).

Environment:
  ADMIN_TOKEN           the service's admin token (else the one orderflow up keeps in ORDERFLOW_DATA_DIR)
  KAFKA_BROKERS         the Kafka to watch the group on (default 127.0.0.1:9092); KAFKA_SASL_*, KAFKA_TLS as for
                        the services`;

interface Counts {
  readonly orders: number;
  readonly quantity: number;
  readonly confirmed: number;
  readonly rejected: number;
}

interface Stats {
  readonly totals: Counts;
  readonly topProducts: readonly (Counts & { readonly productId: string })[];
}

interface Snapshot {
  readonly totals: Counts;
  readonly products: Readonly<Record<string, Counts>>;
}

const COUNT_FIELDS = ['orders', 'quantity', 'confirmed', 'rejected'] as const;

export async function rebuild(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'rebuild',
    args,
    {
      target: { type: 'string' },
      timeout: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    true,
  );
  if (values.help) {
    console.log(rebuildHelp);
    return 0;
  }
  const [service, ...rest] = positionals;
  if (service === undefined) throw new UsageError('orderflow rebuild: missing the service, analytics-service');
  if (service !== SERVICE && service !== 'analytics') {
    throw new UsageError(
      `orderflow rebuild: only analytics-service can be rebuilt (got '${service}'): stock and notifications are effects, not views`,
    );
  }
  if (rest.length > 0) throw new UsageError(`orderflow rebuild: unexpected argument '${rest[0]}'`);
  const timeoutMs = positiveDuration('rebuild', 'timeout', values.timeout, DEFAULT_TIMEOUT_MS);
  const target = targetUrl(values.target, env);
  const token = findAdminToken(env);
  if (token === undefined) {
    console.error(
      'orderflow rebuild: no admin token: set ADMIN_TOKEN, or ORDERFLOW_DATA_DIR to the directory orderflow up uses',
    );
    return 1;
  }
  const kafka = kafkaClientSettings('rebuild', env);
  const admin = new Admin(kafka.options);
  try {
    const before = await readStats(target);
    const logEndBefore = await logEnd(admin);
    const started = Date.now();
    const answer = await fetch(`${target}/admin/rebuild`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
    }).catch((error: unknown) => {
      throw new Error(`cannot reach ${SERVICE} at ${target}: ${(error as Error).message}`, { cause: error });
    });
    if (!answer.ok) {
      const problem = (await answer.json().catch(() => ({}))) as { code?: string; detail?: string };
      console.error(
        `orderflow rebuild: ${SERVICE} refused: ${answer.status} ${problem.code ?? ''} ${problem.detail ?? ''}`.trim(),
      );
      return 1;
    }
    const { rewound } = (await answer.json()) as { rewound: { topic: string; partition: number; offset: number }[] };
    const caughtUp = await waitUntilCaughtUp(admin, started + timeoutMs);
    if (caughtUp === undefined) {
      console.error(`orderflow rebuild: the group '${SERVICE}' has not caught up within ${timeoutMs} ms`);
      return 1;
    }
    const after = await readStats(target);
    const arrived = caughtUp.logEnd - logEndBefore;
    const equal = sameCounts(before, after);
    const lost = fewerCounted(before, after);
    const tookMs = Date.now() - started;
    if (values.json) {
      console.log(
        JSON.stringify({ service: SERVICE, rewound, tookMs, eventsArrived: arrived, equal, before, after }, null, 2),
      );
    } else {
      print(before, after, rewound.length, tookMs);
      if (equal) console.log('the rebuilt statistics equal those before the rebuild');
      else if (!lost) {
        console.log(
          `the rebuild counted more than the view held: ${arrived} events arrived meanwhile, the rest were missing from the view`,
        );
      }
    }
    if (lost) {
      console.error(
        'orderflow rebuild: fewer events were counted than before: events older than the ' +
          "topics' retention (retention.ms) are gone and could not be counted again",
      );
      return 1;
    }
    return 0;
  } catch (error) {
    throw new Error(`rebuild of ${SERVICE}: ${kafkaErrorMessage(error)}`, { cause: error });
  } finally {
    await admin.close().catch(() => undefined);
  }
}

async function readStats(target: string): Promise<Snapshot> {
  const answer = await fetch(`${target}/stats?top=${MAX_TOP}`, { signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) }).catch(
    (error: unknown) => {
      throw new Error(`cannot reach ${SERVICE} at ${target}: ${(error as Error).message}`, { cause: error });
    },
  );
  if (!answer.ok) throw new Error(`${SERVICE} answered ${answer.status} to GET /stats`);
  const stats = (await answer.json()) as Stats;
  const products: Record<string, Counts> = {};
  for (const product of stats.topProducts) products[product.productId] = pick(product);
  return { totals: pick(stats.totals), products };
}

function pick(counts: Counts): Counts {
  return { orders: counts.orders, quantity: counts.quantity, confirmed: counts.confirmed, rejected: counts.rejected };
}

/** Records in all of the group's partitions; what arrives during the rebuild explains a difference. */
async function logEnd(admin: Admin): Promise<number> {
  const [report] = await readGroupReports(admin, [SERVICE]);
  return report!.partitions.reduce((sum, p) => sum + p.latest, 0);
}

/** Waits for a member with an assignment and no lag on any partition (committed offsets at the log end). */
async function waitUntilCaughtUp(admin: Admin, deadline: number): Promise<{ logEnd: number } | undefined> {
  for (;;) {
    const [report] = await readGroupReports(admin, [SERVICE]);
    if (report !== undefined && caughtUp(report)) {
      return { logEnd: report.partitions.reduce((sum, p) => sum + p.latest, 0) };
    }
    if (Date.now() >= deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function caughtUp(report: GroupReport): boolean {
  return (
    report.members.length > 0 &&
    report.partitions.length > 0 &&
    report.partitions.every((p) => p.member !== null && (p.lag === 0 || (p.committed === null && p.latest === 0)))
  );
}

function sameCounts(before: Snapshot, after: Snapshot): boolean {
  const ids = new Set([...Object.keys(before.products), ...Object.keys(after.products)]);
  const same = (a: Counts | undefined, b: Counts | undefined) =>
    COUNT_FIELDS.every((field) => (a?.[field] ?? 0) === (b?.[field] ?? 0));
  return same(before.totals, after.totals) && [...ids].every((id) => same(before.products[id], after.products[id]));
}

/** True when a count went down: events the old view had counted are no longer in the log. */
function fewerCounted(before: Snapshot, after: Snapshot): boolean {
  const less = (a: Counts | undefined, b: Counts | undefined) =>
    COUNT_FIELDS.some((field) => (b?.[field] ?? 0) < (a?.[field] ?? 0));
  return (
    less(before.totals, after.totals) ||
    Object.keys(before.products).some((id) => less(before.products[id], after.products[id]))
  );
}

function print(before: Snapshot, after: Snapshot, partitions: number, tookMs: number): void {
  console.log(
    `rebuilt ${SERVICE}: group rewound to the log start of ${partitions} partitions, caught up in ${(tookMs / 1000).toFixed(1)} s`,
  );
  const cell = (a: Counts | undefined, b: Counts | undefined, field: (typeof COUNT_FIELDS)[number]) =>
    `${a?.[field] ?? 0} → ${b?.[field] ?? 0}`;
  const ids = [...new Set([...Object.keys(before.products), ...Object.keys(after.products)])].sort();
  const rows = [
    ...ids.map((id) => [id, ...COUNT_FIELDS.map((f) => cell(before.products[id], after.products[id], f))]),
    ['TOTAL', ...COUNT_FIELDS.map((f) => cell(before.totals, after.totals, f))],
  ];
  console.log(formatTable(['PRODUCT', 'ORDERS', 'QUANTITY', 'CONFIRMED', 'REJECTED'], rows));
}

function targetUrl(raw: string | undefined, env: NodeJS.ProcessEnv): string {
  const target = raw ?? `http://127.0.0.1:${env.ANALYTICS_SERVICE_PORT || DEFAULT_ANALYTICS_PORT}`;
  const protocol = URL.canParse(target) ? new URL(target).protocol : undefined;
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw new UsageError(
      `orderflow rebuild: --target must be an http(s) URL such as http://127.0.0.1:8084, got '${target}'`,
    );
  }
  return target.replace(/\/+$/, '');
}
