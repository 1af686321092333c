// `orderflow order`: places one order with order-service and follows it to its outcome, printing each step — the
// README's curl walk-through as one command. Exit 0 when the order is CONFIRMED, 1 when it is REJECTED, refused or
// still pending at the deadline.
import { setTimeout as delay } from 'node:timers/promises';
import { parseCommandArgs, positiveDuration, positiveInteger } from '../parse-command-args.ts';
import { UsageError } from '../usage-error.ts';

const DEFAULT_ORDER_PORT = 8081;
const DEFAULT_TIMEOUT_MS = 10_000;
const POLL_INTERVAL_MS = 200;

export const orderHelp = `Usage: orderflow order --product <id> --quantity <n> [options]

Places an order (POST /orders) and follows it (GET /orders/<id>) until stock-service has decided, printing each step.
Exits 0 when the order is CONFIRMED, 1 when it is REJECTED, refused, or not decided before --timeout.

Options:
  --product <id>     product to order, e.g. A001 (required)
  --quantity <n>     units, a positive integer (required)
  --order-id <id>    the order's id; order-service makes one up when absent. Placing the same id again replays
                     the first answer instead of ordering twice
  --customer <id>    customer id
  --target <url>     order-service (default http://127.0.0.1:$ORDER_SERVICE_PORT, else :${DEFAULT_ORDER_PORT})
  --timeout <time>   how long to wait for the outcome, e.g. 10s, 500ms, 2m (default 10s)
  -h, --help         show this help`;

interface OrderView {
  readonly orderId: string;
  readonly status: string;
  readonly reason?: string;
  readonly history?: readonly { status: string; at: string; reason?: string }[];
}

interface Problem {
  readonly code?: string;
  readonly title?: string;
  readonly detail?: string;
}

export async function order(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values } = parseCommandArgs('order', args, {
    product: { type: 'string' },
    quantity: { type: 'string' },
    'order-id': { type: 'string' },
    customer: { type: 'string' },
    target: { type: 'string' },
    timeout: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(orderHelp);
    return 0;
  }
  if (values.product === undefined)
    throw new UsageError('orderflow order: missing --product (see orderflow order --help)');
  if (values.quantity === undefined) {
    throw new UsageError('orderflow order: missing --quantity (see orderflow order --help)');
  }
  const quantity = positiveInteger('order', 'quantity', values.quantity, 1);
  const timeoutMs = positiveDuration('order', 'timeout', values.timeout, DEFAULT_TIMEOUT_MS);
  const target = targetUrl(values.target, env);
  const deadline = AbortSignal.timeout(timeoutMs);
  const started = performance.now();

  const body = {
    ...(values['order-id'] === undefined ? {} : { orderId: values['order-id'] }),
    productId: values.product,
    quantity,
    ...(values.customer === undefined ? {} : { customerId: values.customer }),
  };
  const ordersUrl = `${target}/orders`;
  console.log(`POST ${ordersUrl} ${JSON.stringify(body)}`);
  const placed = await request(ordersUrl, deadline, timeoutMs, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (placed.status < 200 || placed.status > 299) {
    console.error(problemLine(placed.status, placed.statusText, placed.body));
    return 1;
  }
  let current = placed.body as OrderView;
  const replayed =
    placed.headers.get('idempotent-replayed') === 'true' ? ' (replayed: placed before with this id)' : '';
  console.log(`${placed.status} ${placed.statusText}: order ${current.orderId} is ${current.status}${replayed}`);

  const orderUrl = `${target}/orders/${encodeURIComponent(current.orderId)}`;
  let printed = 0;
  const printNewSteps = (view: OrderView) => {
    const steps = view.history ?? [{ status: view.status, at: new Date().toISOString(), reason: view.reason }];
    for (const step of steps.slice(printed)) {
      console.log(`  ${step.status.padEnd(9)} ${step.at}${step.reason ? `  ${step.reason}` : ''}`);
    }
    printed = Math.max(printed, steps.length);
  };
  printNewSteps(current);
  while (current.status === 'PENDING') {
    try {
      await delay(POLL_INTERVAL_MS, undefined, { signal: deadline });
    } catch {
      break;
    }
    const polled = await request(orderUrl, deadline, timeoutMs, { method: 'GET' }).catch((error: unknown) => {
      if (deadline.aborted) return undefined;
      throw error;
    });
    if (polled === undefined) break;
    // A 5xx is order-service or its store hiccuping: the order may still be decided before the deadline.
    if (polled.status >= 500) continue;
    if (polled.status !== 200) {
      console.error(problemLine(polled.status, polled.statusText, polled.body));
      return 1;
    }
    current = polled.body as OrderView;
    printNewSteps(current);
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  if (current.status === 'CONFIRMED') {
    console.log(`order ${current.orderId} CONFIRMED after ${seconds} s`);
    return 0;
  }
  if (current.status === 'REJECTED') {
    console.log(`order ${current.orderId} REJECTED after ${seconds} s${current.reason ? `: ${current.reason}` : ''}`);
    return 1;
  }
  console.error(`order ${current.orderId} still ${current.status} after ${timeoutMs / 1000} s (--timeout)`);
  return 1;
}

function targetUrl(raw: string | undefined, env: NodeJS.ProcessEnv): string {
  const target = raw ?? `http://127.0.0.1:${env.ORDER_SERVICE_PORT || DEFAULT_ORDER_PORT}`;
  const protocol = URL.canParse(target) ? new URL(target).protocol : undefined;
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw new UsageError(
      `orderflow order: --target must be an http(s) URL such as http://127.0.0.1:8081, got '${target}'`,
    );
  }
  // Kept as given, path included, so an order-service behind a path prefix works; only the trailing slash goes.
  return target.replace(/\/+$/, '');
}

interface Answer {
  readonly status: number;
  readonly statusText: string;
  readonly headers: Headers;
  /** Parsed JSON when the answer is JSON, else its text. */
  readonly body: unknown;
}

async function request(url: string, deadline: AbortSignal, timeoutMs: number, init: RequestInit): Promise<Answer> {
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, { ...init, signal: deadline });
    text = await response.text();
  } catch (error) {
    if (deadline.aborted)
      throw new Error(`no answer from ${url} within ${timeoutMs / 1000} s (--timeout)`, { cause: error });
    const reason = ((error as Error).cause as Error | undefined)?.message ?? (error as Error).message;
    throw new Error(`cannot reach order-service at ${url}: ${reason} (is \`orderflow up\` running?)`, { cause: error });
  }
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: keep the text for the message.
  }
  return { status: response.status, statusText: response.statusText, headers: response.headers, body };
}

/** "409 Conflict OUT_OF_STOCK: Product out of stock (Product A001 has 0 units left)", from an RFC 9457 problem. */
function problemLine(status: number, statusText: string, body: unknown): string {
  const head = `${status} ${statusText}`.trim();
  if (typeof body === 'object' && body !== null && 'code' in body) {
    const problem = body as Problem;
    const detail = problem.detail && problem.detail !== problem.title ? ` (${problem.detail})` : '';
    return `${head} ${problem.code}: ${problem.title ?? ''}${detail}`;
  }
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return `${head}${text ? `: ${text.slice(0, 500)}` : ''}`;
}
