// An append-only file of CRC-framed records, for the broker's small state logs (committed offsets). Partition
// checkpoints (recovery point, producer state) reuse the frame format through encodeFrames/decodeFrames.
// Frame: uint32 payload length, uint32 CRC-32 of the payload, payload. Opening reads every whole, valid frame and
// truncates the file at the first partial or corrupt one (a torn write from a crash); `rewrite` compacts by
// writing a new file and renaming it over the old one, so a crash leaves either the old or the new file whole.
import { closeSync, fdatasync, fsyncSync, ftruncateSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { crc32 } from 'node:zlib';

const FRAME_HEADER_BYTES = 8;

export interface FramedLogOpenResult {
  log: FramedLog;
  records: Buffer[];
  /** Bytes cut from the end of the file because they did not form a whole, valid frame. */
  truncatedBytes: number;
}

export class FramedLog {
  readonly path: string;
  #fd: number;
  #size: number;

  private constructor(path: string, fd: number, size: number) {
    this.path = path;
    this.#fd = fd;
    this.#size = size;
  }

  static open(path: string): FramedLogOpenResult {
    let contents: Buffer;
    try {
      contents = readFileSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      contents = Buffer.alloc(0);
    }
    const { records, validBytes: position } = decodeFrames(contents);
    const fd = openSync(path, 'a+');
    const truncatedBytes = contents.length - position;
    if (truncatedBytes > 0) {
      ftruncateSync(fd, position);
      fsyncSync(fd);
    }
    return { log: new FramedLog(path, fd, position), records, truncatedBytes };
  }

  get size(): number {
    return this.#size;
  }

  append(payload: Buffer): void {
    const frame = encodeFrames([payload]);
    writeSync(this.#fd, frame);
    this.#size += frame.length;
  }

  /** Resolves once everything appended so far is on disk. */
  sync(): Promise<void> {
    return new Promise((resolve, reject) => fdatasync(this.#fd, (error) => (error ? reject(error) : resolve())));
  }

  /** Replaces the whole file with these records (compaction), atomically. */
  rewrite(records: Buffer[]): void {
    const temporaryPath = `${this.path}.compacting`;
    const fd = openSync(temporaryPath, 'w');
    const contents = encodeFrames(records);
    writeSync(fd, contents);
    const size = contents.length;
    fsyncSync(fd);
    closeSync(fd);
    closeSync(this.#fd);
    renameSync(temporaryPath, this.path);
    syncDirectory(dirname(this.path));
    this.#fd = openSync(this.path, 'a+');
    this.#size = size;
  }

  close(): void {
    closeSync(this.#fd);
  }
}

/** The frames of `payloads`, back to back: what a FramedLog file holds. */
export function encodeFrames(payloads: readonly Buffer[]): Buffer {
  let total = 0;
  for (const payload of payloads) total += FRAME_HEADER_BYTES + payload.length;
  const contents = Buffer.allocUnsafe(total);
  let position = 0;
  for (const payload of payloads) {
    contents.writeUInt32BE(payload.length, position);
    contents.writeUInt32BE(crc32(payload), position + 4);
    payload.copy(contents, position + FRAME_HEADER_BYTES);
    position += FRAME_HEADER_BYTES + payload.length;
  }
  return contents;
}

/** Every whole, valid frame from the start of `contents`, and how many bytes they span. */
export function decodeFrames(contents: Buffer): { records: Buffer[]; validBytes: number } {
  const records: Buffer[] = [];
  let position = 0;
  while (position + FRAME_HEADER_BYTES <= contents.length) {
    const length = contents.readUInt32BE(position);
    const checksum = contents.readUInt32BE(position + 4);
    const end = position + FRAME_HEADER_BYTES + length;
    if (end > contents.length) break;
    const payload = contents.subarray(position + FRAME_HEADER_BYTES, end);
    if (crc32(payload) !== checksum) break;
    records.push(Buffer.from(payload));
    position = end;
  }
  return { records, validBytes: position };
}

/** Makes a rename or a new file in `directory` durable (POSIX needs the directory itself fsynced). */
export function syncDirectory(directory: string): void {
  const fd = openSync(directory, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
