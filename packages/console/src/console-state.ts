// What the console's server knows about the running system, and how it tells the page: the types of the full
// snapshot and of the deltas it pushes over Server-Sent Events. Types only plus one pure function, no Node imports,
// so the browser bundle imports this file as it is.
//
// SSE stream: GET /events (text/event-stream). Event names:
//   `snapshot`  data: ConsoleState  — sent first on every connection (and again after the server restarts its
//               poller), the page replaces whatever it had.
//   `delta`     data: ConsoleDelta  — after each poll that changed something (at most one a second): the sections
//               that changed, replaced whole, plus the new lag samples to append. Apply with applyConsoleDelta.
// A comment line (`: keep-alive`) goes out every 15 s so proxies keep the connection open. The browser's
// EventSource reconnects by itself and then receives a fresh `snapshot`, so no event ids are kept.

export const ConsoleEventNames = { snapshot: 'snapshot', delta: 'delta' } as const;

export const CONSOLE_STATE_VERSION = 1;

/** How far back the lag chart of each group goes. */
export const LAG_HISTORY_MS = 10 * 60_000;

export type OrderStatus = 'PENDING' | 'CONFIRMED' | 'REJECTED';

export interface ConsoleState {
  readonly version: typeof CONSOLE_STATE_VERSION;
  /** ISO time of the poll this state comes from. */
  readonly at: string;
  readonly kafka: KafkaReachability;
  readonly topology: Topology;
  readonly groups: readonly ConsumerGroupView[];
  /** Per group name, the samples of the last LAG_HISTORY_MS, oldest first (one per poll, about one a second). */
  readonly lagHistory: Readonly<Record<string, readonly LagSample[]>>;
  /** The latest orders, newest first (at most 50). */
  readonly orders: readonly OrderRow[];
  /** Per product, sorted by productId; empty while stock-service does not answer. */
  readonly stock: readonly ProductStock[];
  /** null while analytics-service does not answer. */
  readonly analytics: AnalyticsView | null;
  readonly deadLetters: readonly DeadLetterTopicView[];
}

export interface KafkaReachability {
  /** host:port list the console asks. */
  readonly brokers: string;
  readonly reachable: boolean;
  /** Why the last poll of Kafka failed; null when it worked. */
  readonly error: string | null;
}

// ---- topology ------------------------------------------------------------------------------------------------

export interface Topology {
  readonly services: readonly ServiceNode[];
  readonly topics: readonly TopicNode[];
  /**
   * order-service → order-topic → stock-service, notification-service, analytics-service; stock-service →
   * stock-topic → order-service, notification-service, analytics-service.
   */
  readonly arrows: readonly TopologyArrow[];
}

export interface ServiceNode {
  /** 'order-service', …; also its consumer group's name. */
  readonly name: string;
  /** Base URL the console polls, e.g. http://127.0.0.1:8081. */
  readonly url: string;
  /** The process answers HTTP at all (GET /health/ready gave any answer). */
  readonly live: boolean;
  /** GET /health/ready answered 200. */
  readonly ready: boolean;
  /** The readiness checks as the service reported them; empty when it did not answer. */
  readonly checks: Readonly<Record<string, { readonly status: 'up' | 'down'; readonly detail?: string }>>;
  /** Why it is not live (connection refused, timeout); null when it answered. */
  readonly error: string | null;
}

export interface TopicNode {
  readonly name: string;
  readonly partitions: number;
  /** Records ever written: the sum of the partitions' latest offsets (high watermarks). */
  readonly records: number;
}

export interface TopologyArrow {
  /** A service or topic name. */
  readonly from: string;
  readonly to: string;
  /** produce: service writes to topic (rate of the topic's high watermarks); consume: group reads the topic (rate
   *  of its committed offsets on that topic). */
  readonly kind: 'produce' | 'consume';
  /** Events per second over the last poll interval; 0 when nothing moved. */
  readonly rate: number;
}

// ---- consumer groups -----------------------------------------------------------------------------------------

export interface ConsumerGroupView {
  readonly group: string;
  /** Kafka's group state: Stable, PreparingRebalance, CompletingRebalance, Empty, Dead, Unknown. */
  readonly state: string;
  readonly members: readonly GroupMember[];
  /** Sum of the partitions' lag. */
  readonly lag: number;
  readonly partitions: readonly GroupPartition[];
}

export interface GroupMember {
  readonly id: string;
  readonly clientId: string;
  readonly host: string;
  readonly assignments: readonly { readonly topic: string; readonly partitions: readonly number[] }[];
}

export interface GroupPartition {
  readonly topic: string;
  readonly partition: number;
  /** null when the group has committed nothing for this partition. */
  readonly committed: number | null;
  readonly latest: number;
  readonly lag: number | null;
  /** Member id it is assigned to; null when none (a dead group). */
  readonly member: string | null;
}

export interface LagSample {
  /** Epoch milliseconds. */
  readonly at: number;
  readonly lag: number;
}

// ---- orders --------------------------------------------------------------------------------------------------

export interface OrderRow {
  readonly orderId: string;
  readonly productId: string;
  readonly quantity: number;
  readonly status: OrderStatus;
  /** Why it was rejected. */
  readonly reason?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** The fan-out view of `orderflow trace`, from its code: per consumer group reading the order's events (on
   *  order-topic and stock-topic), how far it got with them: `processed` when its committed offset is past all of
   *  them, `dead-lettered` when one is in its dead-letter topic, else `pending`. Empty while no event is found yet. */
  readonly fanOut: readonly GroupFanOut[];
}

/** How far a consumer group got with an order's events, as `orderflow trace` says it. */
export type GroupProgress = 'processed' | 'dead-lettered' | 'pending';

export interface GroupFanOut {
  readonly group: string;
  readonly progress: GroupProgress;
}

// ---- stock and analytics -------------------------------------------------------------------------------------

export interface ProductStock {
  readonly productId: string;
  readonly available: number;
}

export interface AnalyticsView {
  readonly totals: {
    readonly orders: number;
    readonly quantity: number;
    readonly confirmed: number;
    readonly rejected: number;
    readonly rejectedByReason: Readonly<Record<string, number>>;
  };
  /** Ranked by quantity ordered. */
  readonly topProducts: readonly {
    readonly productId: string;
    readonly orders: number;
    readonly quantity: number;
    readonly confirmed: number;
    readonly rejected: number;
  }[];
  /** When analytics last counted an event; null before the first. */
  readonly updatedAt: string | null;
}

// ---- dead letters --------------------------------------------------------------------------------------------

export interface DeadLetterTopicView {
  /** `<source topic>.<group>.dlq`. */
  readonly topic: string;
  readonly sourceTopic: string;
  readonly group: string;
  /** Records currently in the topic (latest - earliest, summed over partitions). */
  readonly count: number;
  /** The newest few dead letters, newest first (at most 5). */
  readonly latest: readonly DeadLetterEntry[];
}

export interface DeadLetterEntry {
  readonly partition: number;
  readonly offset: number;
  /** The record's key (the order id for order events); null when it has none. */
  readonly key: string | null;
  /** dlq-error-code header. */
  readonly errorCode: string;
  /** dlq-error-reason header. */
  readonly reason: string;
  /** dlq-failed-at header (ISO time); null when missing. */
  readonly failedAt: string | null;
}

// ---- redrive (POST /api/dead-letters/:topic/redrive) ---------------------------------------------------------

/** Body of POST /api/dead-letters/:topic/redrive: `{ "dryRun": true }` first, then `{ "dryRun": false }`. */
export interface RedriveRequest {
  readonly dryRun: boolean;
}

export interface RedriveResult {
  readonly topic: string;
  readonly dryRun: boolean;
  /** Records that are (dry run) or were sent back to the source topic. */
  readonly records: number;
  /** Where they go: the source topic. */
  readonly target: string;
}

// ---- deltas --------------------------------------------------------------------------------------------------

/** A `delta` event: the sections present replace the old ones whole; lagSamples are appended to lagHistory. */
export interface ConsoleDelta {
  readonly at: string;
  readonly kafka?: KafkaReachability;
  readonly topology?: Topology;
  readonly groups?: readonly ConsumerGroupView[];
  readonly orders?: readonly OrderRow[];
  readonly stock?: readonly ProductStock[];
  /** Present (possibly null) when analytics changed. */
  readonly analytics?: AnalyticsView | null;
  readonly deadLetters?: readonly DeadLetterTopicView[];
  /** One new sample per group, sampled at `at`. */
  readonly lagSamples?: Readonly<Record<string, LagSample>>;
}

/** The state after a delta: what the page does on every `delta` event, and what the server's tests check. */
export function applyConsoleDelta(state: ConsoleState, delta: ConsoleDelta): ConsoleState {
  const { lagSamples, ...sections } = delta;
  let lagHistory = state.lagHistory;
  if (lagSamples !== undefined) {
    const next: Record<string, readonly LagSample[]> = {};
    const cutoff = Date.parse(delta.at) - LAG_HISTORY_MS;
    for (const group of new Set([...Object.keys(state.lagHistory), ...Object.keys(lagSamples)])) {
      const kept = (state.lagHistory[group] ?? []).filter((sample) => sample.at >= cutoff);
      const sample = lagSamples[group];
      next[group] = sample === undefined ? kept : [...kept, sample];
    }
    lagHistory = next;
  }
  return { ...state, ...sections, lagHistory };
}
