// The common part of a segment's two sparse indexes: a file of fixed-size entries, kept whole in memory (they are
// small: one entry per index interval of log bytes) and appended through an open descriptor while the segment is
// active. Index files are never the source of truth: recovery rebuilds them from the .log, so losing their unsynced
// tail in a crash costs time, not data.
import { closeSync, fsync, fsyncSync, ftruncateSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';

const INITIAL_CAPACITY_ENTRIES = 64;

export class IndexFile {
  readonly path: string;
  readonly #entryBytes: number;
  #buffer: Buffer;
  #count: number;
  #fd: number | undefined;

  protected constructor(path: string, entryBytes: number, contents: Buffer) {
    this.path = path;
    this.#entryBytes = entryBytes;
    this.#count = contents.length / entryBytes;
    this.#buffer = Buffer.alloc(Math.max(contents.length, INITIAL_CAPACITY_ENTRIES * entryBytes));
    contents.copy(this.#buffer);
    this.#fd = undefined;
  }

  /** The file's entries, or undefined when it is missing or not a whole number of entries (a torn write). */
  protected static readEntries(path: string, entryBytes: number): Buffer | undefined {
    let contents: Buffer;
    try {
      contents = readFileSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    return contents.length % entryBytes === 0 ? contents : undefined;
  }

  get count(): number {
    return this.#count;
  }

  /** The in-memory entries; entry i starts at byte i * entryBytes. */
  protected get entries(): Buffer {
    return this.#buffer;
  }

  protected appendEntry(fill: (buffer: Buffer, at: number) => void): void {
    const at = this.#count * this.#entryBytes;
    if (at + this.#entryBytes > this.#buffer.length) {
      const grown = Buffer.alloc(this.#buffer.length * 2);
      this.#buffer.copy(grown, 0, 0, at);
      this.#buffer = grown;
    }
    fill(this.#buffer, at);
    if (this.#fd !== undefined) writeSync(this.#fd, this.#buffer, at, this.#entryBytes, at);
    this.#count++;
  }

  /** Keeps the first `count` entries. */
  protected truncateEntries(count: number): void {
    if (count >= this.#count) return;
    this.#count = count;
    if (this.#fd !== undefined) ftruncateSync(this.#fd, count * this.#entryBytes);
  }

  /** Replaces the file with the in-memory entries (after a rebuild or truncation) and keeps it open for appends. */
  writeFile(): void {
    this.closeFile();
    this.#fd = openSync(this.path, 'w+');
    writeSync(this.#fd, this.#buffer, 0, this.#count * this.#entryBytes, 0);
  }

  /** Opens the file for appends, first cutting anything past the in-memory entries. */
  openForAppend(): void {
    if (this.#fd !== undefined) return;
    this.#fd = openSync(this.path, 'r+');
    ftruncateSync(this.#fd, this.#count * this.#entryBytes);
  }

  /** Resolves once the file's entries are on disk; a closed index has nothing unsynced. */
  flush(): Promise<void> {
    const fd = this.#fd;
    if (fd === undefined) return Promise.resolve();
    return new Promise((resolve, reject) => fsync(fd, (error) => (error ? reject(error) : resolve())));
  }

  flushSync(): void {
    if (this.#fd !== undefined) fsyncSync(this.#fd);
  }

  /** Closes the descriptor; the entries stay readable in memory. */
  closeFile(): void {
    if (this.#fd === undefined) return;
    closeSync(this.#fd);
    this.#fd = undefined;
  }

  deleteFile(): void {
    this.closeFile();
    rmSync(this.path, { force: true });
  }
}
