// Shared pieces of the storage tests: a fresh temporary directory per test, a logger whose lines the test can read,
// and helpers that read a partition the way a consumer does.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { type Logger, pino } from 'pino';
import { ErrorCode } from '../src/protocol/error-codes.ts';
import { readRecordBatchHeader } from '../src/record-batch/record-batch.ts';
import type { PartitionLog } from '../src/storage/partition-log.ts';

const cleanups = new WeakMap<TestContext, Array<() => unknown>>();

/** Runs `cleanup` after the test, in reverse order of registration (so files close before their directory goes). */
export function defer(t: TestContext, cleanup: () => unknown): void {
  let stack = cleanups.get(t);
  if (stack === undefined) {
    const created: Array<() => unknown> = [];
    stack = created;
    cleanups.set(t, created);
    t.after(async () => {
      for (const next of created.reverse()) await next();
    });
  }
  stack.push(cleanup);
}

export function temporaryDirectory(t: TestContext): string {
  const directory = mkdtempSync(join(tmpdir(), 'orderflow-storage-'));
  defer(t, () => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

export interface CapturedLog {
  log: Logger;
  lines: Array<Record<string, unknown> & { msg: string; level: number }>;
}

export function capturingLogger(): CapturedLog {
  const lines: CapturedLog['lines'] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { log, lines };
}

/** A copy of a partition directory as a crash would leave it: whatever was written, without close's flush. */
export function crashCopy(t: TestContext, directory: string): string {
  const copy = join(temporaryDirectory(t), 'crashed-partition');
  cpSync(directory, copy, { recursive: true });
  return copy;
}

/** Consumes the partition from `from` to the high watermark the way a consumer does, fetch after fetch. */
export function consumeAll(partition: PartitionLog, from: bigint, maxBytes = 1024 * 1024): Buffer[] {
  const batches: Buffer[] = [];
  let offset = from;
  while (offset < partition.highWatermark) {
    const result = partition.read(offset, maxBytes, partition.highWatermark);
    assert.equal(result.errorCode, ErrorCode.NONE);
    assert.ok(result.records.length > 0, `no progress at offset ${offset}`);
    let position = 0;
    while (position < result.records.length) {
      const header = readRecordBatchHeader(result.records, position);
      const size = 12 + header.batchLength;
      batches.push(result.records.subarray(position, position + size));
      offset = header.baseOffset + BigInt(header.lastOffsetDelta) + 1n;
      position += size;
    }
  }
  return batches;
}

export function baseOffsets(records: Buffer): bigint[] {
  const offsets: bigint[] = [];
  for (let position = 0; position < records.length; position += 12 + records.readInt32BE(position + 8)) {
    offsets.push(records.readBigInt64BE(position));
  }
  return offsets;
}
