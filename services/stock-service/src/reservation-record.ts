import { PlatformErrors } from '@orderflow/platform';
import type { ReservationDecision, ReservationRecord } from './stock-store.ts';

// Both backends store a decision as an outcome plus one number, the level it reports (remaining after a reservation,
// available when insufficient, 0 for an unknown product); these turn that back into a ReservationRecord. A record
// not in that form is STORED_RECORD_CORRUPT (not retriable: reading it again gives the same bytes), so the consumer
// dead-letters the event at once.

export type ReservationOutcome = ReservationDecision['outcome'];

const OUTCOMES: ReadonlySet<string> = new Set<ReservationOutcome>(['reserved', 'insufficient', 'unknown-product']);

export interface StoredReservation {
  readonly orderId: string;
  readonly productId: string;
  readonly quantity: number;
  readonly decidedAt: number;
  readonly outcome: string;
  readonly level: number;
}

export function toReservationRecord(stored: StoredReservation): ReservationRecord {
  const { orderId, productId, quantity, decidedAt, outcome, level } = stored;
  if (!OUTCOMES.has(outcome)) throw corrupt(orderId, `outcome ${outcome}`);
  return { orderId, productId, quantity, decidedAt, ...decisionOf(outcome as ReservationOutcome, level) };
}

/**
 * Reads the Redis form, `outcome|level|decidedAt|quantity|productId`: one flat string keeps the script free of JSON,
 * and the product id goes last because it is the only field that may itself contain `|`.
 */
export function parseReservationRecord(orderId: string, text: string): ReservationRecord {
  const fields: string[] = [];
  let start = 0;
  for (let i = 0; i < 4; i++) {
    const end = text.indexOf('|', start);
    if (end < 0) throw corrupt(orderId, JSON.stringify(text));
    fields.push(text.slice(start, end));
    start = end + 1;
  }
  const [outcome, level, decidedAt, quantity] = fields as [string, string, string, string];
  return toReservationRecord({
    orderId,
    productId: text.slice(start),
    quantity: Number(quantity),
    decidedAt: Number(decidedAt),
    outcome,
    level: Number(level),
  });
}

function decisionOf(outcome: ReservationOutcome, level: number): ReservationDecision {
  switch (outcome) {
    case 'reserved':
      return { outcome, remaining: level };
    case 'insufficient':
      return { outcome, available: level };
    case 'unknown-product':
      return { outcome };
  }
}

function corrupt(orderId: string, found: string) {
  return PlatformErrors.create('STORED_RECORD_CORRUPT', `corrupt reservation record for order ${orderId}: ${found}`);
}
