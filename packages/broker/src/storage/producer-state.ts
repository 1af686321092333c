// Idempotent producer state (KIP-98) for one partition: per producer id, its current epoch and the metadata of its
// last five appended batches (Kafka's ProducerStateEntry.NUM_BATCHES_TO_RETAIN; producers keep at most five requests
// in flight, so a retry can only repeat one of those). The rules follow Kafka's ProducerAppendInfo:
// - a batch repeating the sequence range of a retained batch, in the same epoch, is a duplicate: it is not appended
//   again and gets the original offset back;
// - an epoch older than the producer's current one is fenced (INVALID_PRODUCER_EPOCH);
// - a new epoch must start at sequence 0, and within an epoch each batch must start right after the previous one's
//   last sequence, wrapping after int32 max (OUT_OF_ORDER_SEQUENCE_NUMBER otherwise);
// - a producer this partition does not know (new, or its state expired) may start at any sequence (KIP-360).
import { ErrorCode } from '../protocol/error-codes.ts';

export const RETAINED_BATCHES_PER_PRODUCER = 5;
const INT32_MAX = 0x7fffffff;

/** What an idempotent append claims: one producer's sequence range. */
export interface ProducerAppend {
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  lastSequence: number;
}

export interface ProducerBatch {
  firstSequence: number;
  lastSequence: number;
  firstOffset: bigint;
  lastOffset: bigint;
}

interface ProducerEntry {
  epoch: number;
  /** Oldest first, at most RETAINED_BATCHES_PER_PRODUCER. */
  batches: ProducerBatch[];
  lastAppendMs: number;
}

export type ProducerCheck =
  | { kind: 'append' }
  | { kind: 'duplicate'; batch: ProducerBatch }
  | { kind: 'refused'; errorCode: number; errorMessage: string };

// Snapshot encoding of one producer: id int64, epoch int16, lastAppendMs float64, batch count int8, then per batch
// firstSequence int32, lastSequence int32, firstOffset int64, lastOffset int64.
const ENTRY_HEADER_BYTES = 19;
const BATCH_BYTES = 24;

export class ProducerStateTable {
  readonly #producers = new Map<bigint, ProducerEntry>();

  get size(): number {
    return this.#producers.size;
  }

  check(append: ProducerAppend): ProducerCheck {
    const entry = this.#producers.get(append.producerId);
    if (entry === undefined) return { kind: 'append' };
    if (append.producerEpoch < entry.epoch) {
      return refused(
        ErrorCode.INVALID_PRODUCER_EPOCH,
        `producer ${append.producerId} epoch ${append.producerEpoch} is older than the current epoch ${entry.epoch}`,
      );
    }
    if (append.producerEpoch > entry.epoch) {
      if (append.baseSequence === 0) return { kind: 'append' };
      return refused(
        ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
        `producer ${append.producerId} started epoch ${append.producerEpoch} at sequence ${append.baseSequence}, not 0`,
      );
    }
    const duplicate = entry.batches.find(
      (batch) => batch.firstSequence === append.baseSequence && batch.lastSequence === append.lastSequence,
    );
    if (duplicate !== undefined) return { kind: 'duplicate', batch: duplicate };
    const last = entry.batches.at(-1);
    if (last === undefined || isNextSequence(last.lastSequence, append.baseSequence)) return { kind: 'append' };
    return refused(
      ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
      `producer ${append.producerId} sent sequence ${append.baseSequence} after ${last.lastSequence}`,
    );
  }

  /** Records an appended (already checked) batch range. */
  record(append: ProducerAppend, firstOffset: bigint, lastOffset: bigint, nowMs: number): void {
    let entry = this.#producers.get(append.producerId);
    if (entry === undefined || entry.epoch !== append.producerEpoch) {
      entry = { epoch: append.producerEpoch, batches: [], lastAppendMs: nowMs };
      this.#producers.set(append.producerId, entry);
    }
    entry.batches.push({
      firstSequence: append.baseSequence,
      lastSequence: append.lastSequence,
      firstOffset,
      lastOffset,
    });
    if (entry.batches.length > RETAINED_BATCHES_PER_PRODUCER) entry.batches.shift();
    entry.lastAppendMs = Math.max(entry.lastAppendMs, nowMs);
  }

  /** Forgets producers idle for longer than `maxIdleMs` (Kafka's producer.id.expiration.ms). */
  expire(nowMs: number, maxIdleMs: number): number {
    let expired = 0;
    for (const [producerId, entry] of this.#producers) {
      if (nowMs - entry.lastAppendMs > maxIdleMs) {
        this.#producers.delete(producerId);
        expired++;
      }
    }
    return expired;
  }

  /** Forgets batches at or after `offset` (the log was truncated below a snapshot taken later). */
  truncateFrom(offset: bigint): void {
    for (const [producerId, entry] of this.#producers) {
      entry.batches = entry.batches.filter((batch) => batch.lastOffset < offset);
      if (entry.batches.length === 0) this.#producers.delete(producerId);
    }
  }

  encode(): Buffer[] {
    const frames: Buffer[] = [];
    for (const [producerId, entry] of this.#producers) {
      const frame = Buffer.alloc(ENTRY_HEADER_BYTES + entry.batches.length * BATCH_BYTES);
      frame.writeBigInt64BE(producerId, 0);
      frame.writeInt16BE(entry.epoch, 8);
      frame.writeDoubleBE(entry.lastAppendMs, 10);
      frame.writeInt8(entry.batches.length, 18);
      entry.batches.forEach((batch, index) => {
        const at = ENTRY_HEADER_BYTES + index * BATCH_BYTES;
        frame.writeInt32BE(batch.firstSequence, at);
        frame.writeInt32BE(batch.lastSequence, at + 4);
        frame.writeBigInt64BE(batch.firstOffset, at + 8);
        frame.writeBigInt64BE(batch.lastOffset, at + 16);
      });
      frames.push(frame);
    }
    return frames;
  }

  /** Adds the producers of snapshot frames written by `encode`; false (adding none) when a frame is malformed. */
  decode(frames: readonly Buffer[]): boolean {
    const decoded = new Map<bigint, ProducerEntry>();
    for (const frame of frames) {
      if (frame.length < ENTRY_HEADER_BYTES) return false;
      const count = frame.readInt8(18);
      if (count < 0 || frame.length !== ENTRY_HEADER_BYTES + count * BATCH_BYTES) return false;
      const batches: ProducerBatch[] = [];
      for (let index = 0; index < count; index++) {
        const at = ENTRY_HEADER_BYTES + index * BATCH_BYTES;
        batches.push({
          firstSequence: frame.readInt32BE(at),
          lastSequence: frame.readInt32BE(at + 4),
          firstOffset: frame.readBigInt64BE(at + 8),
          lastOffset: frame.readBigInt64BE(at + 16),
        });
      }
      decoded.set(frame.readBigInt64BE(0), {
        epoch: frame.readInt16BE(8),
        lastAppendMs: frame.readDoubleBE(10),
        batches,
      });
    }
    for (const [producerId, entry] of decoded) this.#producers.set(producerId, entry);
    return true;
  }
}

function isNextSequence(lastSequence: number, nextSequence: number): boolean {
  return lastSequence === INT32_MAX ? nextSequence === 0 : nextSequence === lastSequence + 1;
}

function refused(errorCode: number, errorMessage: string): ProducerCheck {
  return { kind: 'refused', errorCode, errorMessage };
}
