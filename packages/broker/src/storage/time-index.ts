// A segment's sparse time index (Kafka's .timeindex): entries of (max timestamp so far int64, offset relative to the
// segment's base offset uint32), appended at the same interval as the offset index but only when the max timestamp
// grew, so timestamps strictly increase. The offset is that of the batch which first reached the timestamp: every
// batch before it has a smaller max timestamp. The last entry is the segment's max timestamp once the segment is
// sealed (rolled or closed), which time-based retention relies on.
import { IndexFile } from './index-file.ts';

const ENTRY_BYTES = 12;

export class TimeIndex extends IndexFile {
  /** The index at `path` when present and ordered; undefined when missing or inconsistent, so the caller rebuilds it. */
  static load(path: string): TimeIndex | undefined {
    const contents = IndexFile.readEntries(path, ENTRY_BYTES);
    if (contents === undefined) return undefined;
    const index = new TimeIndex(path, ENTRY_BYTES, contents);
    return index.#isConsistent() ? index : undefined;
  }

  static empty(path: string): TimeIndex {
    return new TimeIndex(path, ENTRY_BYTES, Buffer.alloc(0));
  }

  timestampAt(entry: number): bigint {
    return this.entries.readBigInt64BE(entry * ENTRY_BYTES);
  }

  relativeOffsetAt(entry: number): number {
    return this.entries.readUInt32BE(entry * ENTRY_BYTES + 8);
  }

  /** The largest indexed timestamp, or -1 when there is none. */
  get lastTimestamp(): bigint {
    return this.count === 0 ? -1n : this.timestampAt(this.count - 1);
  }

  get lastRelativeOffset(): number {
    return this.count === 0 ? 0 : this.relativeOffsetAt(this.count - 1);
  }

  /** Appends the entry unless it would not raise the indexed max timestamp. */
  maybeAppend(timestamp: bigint, relativeOffset: number): void {
    if (timestamp <= this.lastTimestamp) return;
    this.appendEntry((buffer, at) => {
      buffer.writeBigInt64BE(timestamp, at);
      buffer.writeUInt32BE(relativeOffset, at + 8);
    });
  }

  /**
   * The relative offset of the last entry whose timestamp is below `target`: every batch before that offset has a
   * smaller max timestamp, so a search for `target` can start there. Undefined when the search must start at the
   * segment's beginning.
   */
  lookupBefore(target: bigint): number | undefined {
    let low = 0;
    let high = this.count - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      if (this.timestampAt(middle) < target) {
        found = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return found < 0 ? undefined : this.relativeOffsetAt(found);
  }

  /** Drops the entries pointing at or after `relativeOffset`. */
  truncateFromOffset(relativeOffset: number): void {
    let keep = this.count;
    while (keep > 0 && this.relativeOffsetAt(keep - 1) >= relativeOffset) keep--;
    this.truncateEntries(keep);
  }

  #isConsistent(): boolean {
    for (let entry = 1; entry < this.count; entry++) {
      if (this.timestampAt(entry) <= this.timestampAt(entry - 1)) return false;
      if (this.relativeOffsetAt(entry) < this.relativeOffsetAt(entry - 1)) return false;
    }
    return true;
  }
}
