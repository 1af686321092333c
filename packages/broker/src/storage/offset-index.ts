// A segment's sparse offset index (Kafka's .index): entries of (offset relative to the segment's base offset,
// byte position of the batch that starts there), uint32 each, one every index interval of log bytes. A lookup gives
// the last indexed batch at or before an offset; the reader scans forward from there, never more than about one
// interval. The segment's first batch is never indexed: position 0 is implied.
import { IndexFile } from './index-file.ts';

const ENTRY_BYTES = 8;

export class OffsetIndex extends IndexFile {
  /**
   * The index at `path` if it is usable for a log of `logSize` bytes: offsets and positions strictly increasing and
   * every position inside the log. Undefined when missing or inconsistent, so the caller rebuilds it.
   */
  static load(path: string, logSize: number): OffsetIndex | undefined {
    const contents = IndexFile.readEntries(path, ENTRY_BYTES);
    if (contents === undefined) return undefined;
    const index = new OffsetIndex(path, ENTRY_BYTES, contents);
    return index.#isConsistent(logSize) ? index : undefined;
  }

  static empty(path: string): OffsetIndex {
    return new OffsetIndex(path, ENTRY_BYTES, Buffer.alloc(0));
  }

  relativeOffsetAt(entry: number): number {
    return this.entries.readUInt32BE(entry * ENTRY_BYTES);
  }

  positionAt(entry: number): number {
    return this.entries.readUInt32BE(entry * ENTRY_BYTES + 4);
  }

  /** Position of the last indexed batch, or 0 (the segment start) when nothing is indexed yet. */
  get lastPosition(): number {
    return this.count === 0 ? 0 : this.positionAt(this.count - 1);
  }

  append(relativeOffset: number, position: number): void {
    this.appendEntry((buffer, at) => {
      buffer.writeUInt32BE(relativeOffset, at);
      buffer.writeUInt32BE(position, at + 4);
    });
  }

  /** The position of the last indexed batch starting at or before `relativeOffset` (0 when none). */
  lookup(relativeOffset: number): number {
    let low = 0;
    let high = this.count - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      if (this.relativeOffsetAt(middle) <= relativeOffset) {
        found = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return found < 0 ? 0 : this.positionAt(found);
  }

  /** The last entry at or before file position `position`; the segment start (0, 0) when there is none. */
  lastEntryAtOrBefore(position: number): { relativeOffset: number; position: number } {
    let low = 0;
    let high = this.count - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      if (this.positionAt(middle) <= position) {
        found = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return found < 0
      ? { relativeOffset: 0, position: 0 }
      : { relativeOffset: this.relativeOffsetAt(found), position: this.positionAt(found) };
  }

  /** Drops the entries for batches at or after `position` (they are being re-scanned or were truncated away). */
  truncateFromPosition(position: number): void {
    let keep = this.count;
    while (keep > 0 && this.positionAt(keep - 1) >= position) keep--;
    this.truncateEntries(keep);
  }

  #isConsistent(logSize: number): boolean {
    for (let entry = 0; entry < this.count; entry++) {
      const position = this.positionAt(entry);
      if (position === 0 || position >= logSize) return false;
      if (
        entry > 0 &&
        (this.relativeOffsetAt(entry) <= this.relativeOffsetAt(entry - 1) || position <= this.positionAt(entry - 1))
      ) {
        return false;
      }
    }
    return true;
  }
}
