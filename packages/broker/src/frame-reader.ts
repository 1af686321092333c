// Splits a TCP byte stream into Kafka request frames: a 4-byte big-endian size, then that many bytes.
// Chunks are kept as they arrive and joined only once a whole frame is there, so a large frame arriving in many
// small chunks costs one copy, not one per chunk.

export class FrameTooLargeError extends Error {
  readonly code = 'ERR_FRAME_TOO_LARGE';
  readonly size: number;
  constructor(size: number, limit: number) {
    super(`request frame of ${size} bytes is over the limit of ${limit} bytes`);
    this.size = size;
  }
}

export class FrameSizeInvalidError extends Error {
  readonly code = 'ERR_FRAME_SIZE_INVALID';
  readonly size: number;
  constructor(size: number) {
    super(`request frame size ${size} is invalid`);
    this.size = size;
  }
}

/** The smallest request header: api key (2), api version (2), correlation id (4), client id length (2). */
const MIN_FRAME_BYTES = 10;

export class FrameReader {
  readonly #maxFrameBytes: number;
  #chunks: Buffer[] = [];
  #buffered = 0;

  constructor(maxFrameBytes: number) {
    this.#maxFrameBytes = maxFrameBytes;
  }

  /** Bytes received but not yet returned as frames. */
  get buffered(): number {
    return this.#buffered;
  }

  push(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
  }

  /** The next whole frame's payload (without its size prefix), or undefined until one has fully arrived. */
  next(): Buffer | undefined {
    if (this.#buffered < 4) return undefined;
    const size = this.#peekSize();
    if (size < MIN_FRAME_BYTES) throw new FrameSizeInvalidError(size);
    if (size > this.#maxFrameBytes) throw new FrameTooLargeError(size, this.#maxFrameBytes);
    if (this.#buffered < 4 + size) return undefined;
    const frame = this.#take(4 + size);
    return frame.subarray(4);
  }

  #peekSize(): number {
    const first = this.#chunks[0];
    if (first.length >= 4) return first.readInt32BE(0);
    this.#chunks = [Buffer.concat(this.#chunks)];
    return this.#chunks[0].readInt32BE(0);
  }

  #take(length: number): Buffer {
    const first = this.#chunks[0];
    let frame: Buffer;
    if (first.length >= length) {
      frame = first.subarray(0, length);
      if (first.length === length) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(length);
    } else {
      frame = Buffer.allocUnsafe(length);
      let copied = 0;
      while (copied < length) {
        const chunk = this.#chunks[0];
        const wanted = length - copied;
        if (chunk.length <= wanted) {
          chunk.copy(frame, copied);
          copied += chunk.length;
          this.#chunks.shift();
        } else {
          chunk.copy(frame, copied, 0, wanted);
          this.#chunks[0] = chunk.subarray(wanted);
          copied += wanted;
        }
      }
    }
    this.#buffered -= length;
    return frame;
  }
}
