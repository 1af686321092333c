// `orderflow trace <orderId>`: the order's status from order-service, its events on order-topic and stock-topic, and
// how far every consumer group got with each of them. The Kafka side lives in ../kafka/order-trace.ts.
import { Admin, Consumer } from '@platformatic/kafka';
import { formatTable } from '../format-table.ts';
import { kafkaClientSettings } from '../kafka/kafka-client-options.ts';
import { kafkaErrorMessage } from '../kafka/kafka-error-message.ts';
import { DEFAULT_SCAN_LIMIT, type OrderTrace, traceOrder } from '../kafka/order-trace.ts';
import { parseCommandArgs, positiveInteger } from '../parse-command-args.ts';
import { UsageError } from '../usage-error.ts';

const DEFAULT_ORDER_PORT = 8081;
const ORDER_SERVICE_TIMEOUT_MS = 5000;

export const traceHelp = `Usage: orderflow trace <orderId> [--target <url>] [--json]

Where is my order? Its status from order-service, its events on order-topic and stock-topic (partition, offset,
time, type), and for every consumer group reading those topics whether it has processed each event (its committed
offset is past it), dead-lettered it (the event is in the group's dead-letter topic) or not reached it yet (pending).

Options:
  --target <url>      order-service (default http://127.0.0.1:$ORDER_SERVICE_PORT, else :${DEFAULT_ORDER_PORT})
  --scan-limit <n>    records read per partition at most (default ${DEFAULT_SCAN_LIMIT}), from a minute before the
                      order was created
  --json              one JSON document instead of a table
  -h, --help          show this help

Exits 1 when neither order-service nor Kafka knows the order.

Environment:
  KAFKA_BROKERS   the Kafka to ask (default 127.0.0.1:9092); KAFKA_SASL_*, KAFKA_TLS as for the services`;

interface OrderView {
  readonly orderId: string;
  readonly status: string;
  readonly createdAt?: string;
  readonly reason?: string;
}

type OrderLookup =
  { readonly found: true; readonly order: OrderView } | { readonly found: false; readonly reason: string };

export async function trace(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'trace',
    args,
    {
      target: { type: 'string' },
      'scan-limit': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    true,
  );
  if (values.help) {
    console.log(traceHelp);
    return 0;
  }
  const [orderId, ...rest] = positionals;
  if (orderId === undefined || orderId === '') throw new UsageError('orderflow trace: missing <orderId>');
  if (rest.length > 0) throw new UsageError(`orderflow trace: unexpected argument '${rest[0]}'`);
  const scanLimit = positiveInteger('trace', 'scan-limit', values['scan-limit'], DEFAULT_SCAN_LIMIT);
  const target = targetUrl(values.target, env);

  const lookup = await lookUpOrder(target, orderId);
  const createdAt = lookup.found && lookup.order.createdAt ? new Date(lookup.order.createdAt) : undefined;
  const kafka = kafkaClientSettings('trace');
  const admin = new Admin(kafka.options);
  // The group id is required by the client but never joined: records are read with Fetch requests only.
  const consumer = new Consumer({ ...kafka.options, groupId: 'orderflow-trace-unused' });
  let traced: OrderTrace;
  try {
    traced = await traceOrder({ admin, consumer }, orderId, { since: createdAt, scanLimit });
  } catch (error) {
    throw new Error(`trace of ${orderId} on Kafka at ${kafka.brokers}: ${kafkaErrorMessage(error)}`, { cause: error });
  } finally {
    await Promise.allSettled([consumer.close(true), admin.close()]);
  }

  const status = lookup.found ? lookup.order.status : null;
  if (values.json) {
    console.log(
      JSON.stringify(
        {
          orderId,
          status,
          order: lookup.found ? lookup.order : null,
          orderServiceError: lookup.found ? undefined : lookup.reason,
          events: traced.events,
          truncated: traced.truncated,
        },
        null,
        2,
      ),
    );
  } else {
    const reason = lookup.found && lookup.order.reason ? ` (${lookup.order.reason})` : '';
    console.log(`order ${orderId}: ${status ?? `status unknown: ${lookup.found ? '' : lookup.reason}`}${reason}`);
    if (traced.events.length > 0) {
      const rows = traced.events.flatMap((event) => {
        const groups = Object.entries(event.groups);
        const head = [event.topic, event.partition, event.offset, event.time, event.type ?? '-'];
        if (groups.length === 0) return [[...head, '-', 'no group reads this topic']];
        return groups.map(([group, progress]) => [...head, group, progress]);
      });
      console.log(formatTable(['TOPIC', 'PARTITION', 'OFFSET', 'TIME', 'TYPE', 'GROUP', 'PROGRESS'], rows));
    } else {
      console.log('no events of this order on order-topic or stock-topic');
    }
    if (traced.truncated) console.log(`scan stopped at --scan-limit ${scanLimit}: older events may be missing`);
  }
  if (!lookup.found && !lookup.reason.startsWith('cannot reach') && traced.events.length === 0) {
    console.error(`orderflow trace: no order '${orderId}' in order-service or on Kafka`);
    return 1;
  }
  return 0;
}

async function lookUpOrder(target: string, orderId: string): Promise<OrderLookup> {
  const url = `${target}/orders/${encodeURIComponent(orderId)}`;
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(ORDER_SERVICE_TIMEOUT_MS) });
  } catch (error) {
    return { found: false, reason: `cannot reach order-service at ${target}: ${(error as Error).message}` };
  }
  if (response.status === 404) return { found: false, reason: 'order-service does not know it' };
  if (!response.ok) return { found: false, reason: `order-service answered ${response.status}` };
  return { found: true, order: (await response.json()) as OrderView };
}

function targetUrl(raw: string | undefined, env: NodeJS.ProcessEnv): string {
  const target = raw ?? `http://127.0.0.1:${env.ORDER_SERVICE_PORT || DEFAULT_ORDER_PORT}`;
  const protocol = URL.canParse(target) ? new URL(target).protocol : undefined;
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw new UsageError(
      `orderflow trace: --target must be an http(s) URL such as http://127.0.0.1:8081, got '${target}'`,
    );
  }
  return target.replace(/\/+$/, '');
}
