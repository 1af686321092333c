// The requests of a load run and what became of each: new orders, and, for a share of the accepted ones, the same
// request again (same Idempotency-Key, same body) that must be answered as a replay of the first, never as a new
// order. Every answer is classified here; latency runs from the arrival's scheduled time, so waiting for a
// connection counts.
import type { HttpAnswer, HttpClient } from './http-client.ts';
import { LatencyRecorder } from './latency-recorder.ts';
import type { LoadPlan, PlannedOrder } from './load-plan.ts';

export interface AcceptedOrder extends PlannedOrder {
  /** A duplicate of it was sent. */
  duplicated: boolean;
}

export interface DuplicateTally {
  sent: number;
  /** 202 with Idempotent-Replayed: true for the same order. */
  replayed: number;
  /** 202 without the replay header, or for another order id: a second order. */
  secondOrders: number;
  /**
   * No 202: no answer at all (connection refused while order-service restarts) or an error status. A client error to
   * report, not a broken promise: whether an effect was doubled is judged from the orders themselves.
   */
  unanswered: number;
}

export interface TrafficTally {
  /** Requests started, duplicates included. */
  sent: number;
  /** Requests answered or failed, duplicates included. */
  completed: number;
  /** New orders answered 202. */
  accepted: number;
  /** New orders refused by the service for a reason of the business (409 OUT_OF_STOCK), by code. */
  rejected: Record<string, number>;
  /** New orders that failed: an error status ("503 KAFKA_UNAVAILABLE") or no answer ("ERR_HTTP_TIMEOUT"). */
  errors: Record<string, number>;
  duplicates: DuplicateTally;
  /** Every request, from its scheduled time to its answer or failure. */
  readonly latency: LatencyRecorder;
}

/** 4xx answers that mean the system works and said no. */
const BUSINESS_REJECTIONS = new Set(['OUT_OF_STOCK']);

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'idempotent-replayed';

export class OrderTraffic {
  readonly tally: TrafficTally = {
    sent: 0,
    completed: 0,
    accepted: 0,
    rejected: {},
    errors: {},
    duplicates: { sent: 0, replayed: 0, secondOrders: 0, unanswered: 0 },
    latency: new LatencyRecorder(),
  };
  /** Accepted orders, in the order their 202 arrived. */
  readonly accepted: AcceptedOrder[] = [];
  /** New orders whose outcome is unknown (no answer, or a 5xx): the service may have accepted them all the same. */
  readonly unknown: PlannedOrder[] = [];
  readonly #client: HttpClient;
  readonly #ordersUrl: URL;
  readonly #plan: LoadPlan;
  readonly #duplicateShare: number;
  readonly #random: () => number;
  /** Every error and unanswered duplicate with when it ended (performance.now()), for the faults' windows. */
  readonly failures: { readonly at: number; readonly reason: string }[] = [];
  /** Accepted orders not yet duplicated, for duplicates to pick from. */
  readonly #candidates: AcceptedOrder[] = [];

  constructor(options: {
    client: HttpClient;
    target: string;
    plan: LoadPlan;
    duplicates: number;
    random?: () => number;
  }) {
    this.#client = options.client;
    this.#ordersUrl = new URL('/orders', options.target);
    this.#plan = options.plan;
    this.#duplicateShare = options.duplicates;
    this.#random = options.random ?? Math.random;
  }

  /** The open loop's send: never rejects. */
  readonly send = async (index: number, scheduledAt: number): Promise<void> => {
    this.tally.sent++;
    const duplicate = this.#pickDuplicate();
    const order = duplicate ?? this.#plan.order(index);
    let answer: HttpAnswer | undefined;
    let failure: string | undefined;
    try {
      answer = await this.#client.send({
        method: 'POST',
        url: this.#ordersUrl,
        headers: { [IDEMPOTENCY_KEY_HEADER]: order.idempotencyKey },
        body: { orderId: order.orderId, productId: order.productId, quantity: order.quantity },
      });
    } catch (error) {
      failure = (error as { code?: string }).code ?? (error as Error).message;
    }
    this.tally.latency.record(performance.now() - scheduledAt);
    this.tally.completed++;
    if (duplicate !== undefined) this.#duplicateAnswered(duplicate, answer, failure);
    else this.#orderAnswered(order, answer, failure);
  };

  #pickDuplicate(): AcceptedOrder | undefined {
    if (this.#duplicateShare <= 0 || this.#candidates.length === 0) return undefined;
    if (this.#random() >= this.#duplicateShare) return undefined;
    const at = Math.floor(this.#random() * this.#candidates.length);
    const picked = this.#candidates[at]!;
    this.#candidates[at] = this.#candidates[this.#candidates.length - 1]!;
    this.#candidates.pop();
    picked.duplicated = true;
    this.tally.duplicates.sent++;
    return picked;
  }

  #orderAnswered(order: PlannedOrder, answer: HttpAnswer | undefined, failure: string | undefined): void {
    if (answer?.status === 202) {
      this.tally.accepted++;
      const accepted = { ...order, duplicated: false };
      this.accepted.push(accepted);
      this.#candidates.push(accepted);
      return;
    }
    const code = answer === undefined ? undefined : problemCode(answer);
    if (answer !== undefined && code !== undefined && BUSINESS_REJECTIONS.has(code)) {
      this.tally.rejected[code] = (this.tally.rejected[code] ?? 0) + 1;
      return;
    }
    const reason = answer === undefined ? (failure ?? 'no answer') : `${answer.status}${code ? ` ${code}` : ''}`;
    this.tally.errors[reason] = (this.tally.errors[reason] ?? 0) + 1;
    this.failures.push({ at: performance.now(), reason });
    // A 4xx is a definite no; without an answer, or with a 5xx, the order may have gone through.
    if (answer === undefined || answer.status >= 500) this.unknown.push(order);
  }

  #duplicateAnswered(order: AcceptedOrder, answer: HttpAnswer | undefined, failure: string | undefined): void {
    const duplicates = this.tally.duplicates;
    if (answer?.status !== 202) {
      duplicates.unanswered++;
      const code = answer === undefined ? undefined : problemCode(answer);
      const reason = answer === undefined ? (failure ?? 'no answer') : `${answer.status}${code ? ` ${code}` : ''}`;
      this.failures.push({ at: performance.now(), reason: `duplicate: ${reason}` });
      return;
    }
    const replayed = answer.headers[REPLAYED_HEADER] === 'true';
    const sameOrder = (answer.body as { orderId?: unknown } | undefined)?.orderId === order.orderId;
    if (replayed && sameOrder) duplicates.replayed++;
    else duplicates.secondOrders++;
  }

  /** Requests answered with an error or not at all, duplicates included. */
  get errorCount(): number {
    return Object.values(this.tally.errors).reduce((sum, n) => sum + n, 0) + this.tally.duplicates.unanswered;
  }

  get rejectedCount(): number {
    return Object.values(this.tally.rejected).reduce((sum, n) => sum + n, 0);
  }
}

export function problemCode(answer: HttpAnswer): string | undefined {
  const code = (answer.body as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
