// Writes Kafka protocol primitive types (https://kafka.apache.org/protocol#protocol_types) into one growable
// buffer: it starts preallocated and doubles when full, so encoding a message costs a handful of allocations
// whatever its size. Large raw values (the record batches of a Fetch response) are not copied in at all: the message
// becomes a list of chunks that reference them (toChunks), written to the socket as they are. The matching reader
// is reader.ts; the encodings are described there.
import { UnencodableMessageError } from './codec-errors.ts';

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_STRING_BYTES = 0x7fff;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
/**
 * A raw value at least this long is referenced rather than copied. The caller must not change it afterwards; record
 * batches read from a segment are fresh buffers of their own.
 */
const REFERENCED_RAW_BYTES = 4096;

export class Writer {
  #buffer: Buffer;
  #length = 0;
  /** Finished parts of the message, in order: written stretches of #buffer and referenced raw values. */
  readonly #chunks: Buffer[] = [];
  #chunksLength = 0;
  /** Where in #buffer the part not yet in #chunks begins. */
  #chunkStart = 0;
  /** Size-prefixed sections still open: their contents must stay in #buffer, where finishUVarIntSized moves them. */
  #openSections = 0;

  constructor(initialCapacity = 512) {
    this.#buffer = Buffer.allocUnsafe(Math.max(16, initialCapacity));
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#chunksLength + this.#length - this.#chunkStart;
  }

  #ensure(bytes: number): void {
    if (this.#length + bytes <= this.#buffer.length) return;
    // What is already in #chunks stays where it is (the chunks reference it); only the part after it moves, unless
    // a size-prefixed section is open, whose mark is a position in #buffer.
    const keepFrom = this.#openSections === 0 ? this.#chunkStart : 0;
    const needed = this.#length - keepFrom + bytes;
    let capacity = this.#buffer.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = Buffer.allocUnsafe(capacity);
    this.#buffer.copy(grown, 0, keepFrom, this.#length);
    this.#buffer = grown;
    this.#length -= keepFrom;
    this.#chunkStart -= keepFrom;
  }

  writeInt8(value: number): void {
    this.#ensure(1);
    this.#buffer.writeInt8(value, this.#length);
    this.#length += 1;
  }

  writeBoolean(value: boolean): void {
    this.#ensure(1);
    this.#buffer[this.#length++] = value ? 1 : 0;
  }

  writeInt16(value: number): void {
    this.#ensure(2);
    this.#length = this.#buffer.writeInt16BE(value, this.#length);
  }

  writeUInt16(value: number): void {
    this.#ensure(2);
    this.#length = this.#buffer.writeUInt16BE(value, this.#length);
  }

  writeInt32(value: number): void {
    this.#ensure(4);
    this.#length = this.#buffer.writeInt32BE(value, this.#length);
  }

  writeUInt32(value: number): void {
    this.#ensure(4);
    this.#length = this.#buffer.writeUInt32BE(value, this.#length);
  }

  writeInt64(value: bigint): void {
    this.#ensure(8);
    this.#length = this.#buffer.writeBigInt64BE(value, this.#length);
  }

  writeFloat64(value: number): void {
    this.#ensure(8);
    this.#length = this.#buffer.writeDoubleBE(value, this.#length);
  }

  /** An unsigned varint; `value` must be an integer in [0, 2^32). */
  writeUVarInt(value: number): void {
    if (!(value >= 0 && value <= 0xffffffff && Number.isInteger(value))) {
      throw new UnencodableMessageError(`${value} is not an unsigned 32-bit integer`);
    }
    this.#ensure(5);
    const b = this.#buffer;
    let v = value;
    while (v >= 0x80) {
      b[this.#length++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    b[this.#length++] = v;
  }

  /** A zig-zag encoded signed 32-bit varint. */
  writeVarInt(value: number): void {
    if (!(value >= -0x80000000 && value <= 0x7fffffff && Number.isInteger(value))) {
      throw new UnencodableMessageError(`${value} is not a signed 32-bit integer`);
    }
    this.writeUVarInt(((value << 1) ^ (value >> 31)) >>> 0);
  }

  /** A zig-zag encoded signed 64-bit varint. */
  writeVarLong(value: bigint): void {
    if (value < INT64_MIN || value > INT64_MAX)
      throw new UnencodableMessageError(`${value} is not a signed 64-bit integer`);
    this.#ensure(10);
    const b = this.#buffer;
    let v = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
    while (v >= 0x80n) {
      b[this.#length++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    b[this.#length++] = Number(v);
  }

  /** A uuid given in 8-4-4-4-12 hex form (either case), as its 16 bytes. */
  writeUuid(value: string): void {
    if (!UUID_PATTERN.test(value)) throw new UnencodableMessageError(`"${value}" is not a uuid`);
    this.#ensure(16);
    const b = this.#buffer;
    let o = this.#length;
    o += b.write(value.slice(0, 8), o, 'hex');
    o += b.write(value.slice(9, 13), o, 'hex');
    o += b.write(value.slice(14, 18), o, 'hex');
    o += b.write(value.slice(19, 23), o, 'hex');
    o += b.write(value.slice(24, 36), o, 'hex');
    this.#length = o;
  }

  #utf8(value: string, byteLength: number): void {
    this.#length += this.#buffer.write(value, this.#length, byteLength, 'utf8');
  }

  writeString(value: string): void {
    const byteLength = Buffer.byteLength(value, 'utf8');
    if (byteLength > MAX_STRING_BYTES) throw new UnencodableMessageError(`string of ${byteLength} bytes is too long`);
    this.#ensure(2 + byteLength);
    this.#length = this.#buffer.writeInt16BE(byteLength, this.#length);
    this.#utf8(value, byteLength);
  }

  writeNullableString(value: string | null): void {
    if (value === null) this.writeInt16(-1);
    else this.writeString(value);
  }

  writeCompactString(value: string): void {
    const byteLength = Buffer.byteLength(value, 'utf8');
    if (byteLength > MAX_STRING_BYTES) throw new UnencodableMessageError(`string of ${byteLength} bytes is too long`);
    this.writeUVarInt(byteLength + 1);
    this.#ensure(byteLength);
    this.#utf8(value, byteLength);
  }

  writeCompactNullableString(value: string | null): void {
    if (value === null) this.writeUVarInt(0);
    else this.writeCompactString(value);
  }

  /** Bytes without any length prefix. */
  writeRaw(value: Uint8Array): void {
    if (value.length >= REFERENCED_RAW_BYTES && this.#openSections === 0) {
      this.#cutChunk();
      this.#chunks.push(Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.length));
      this.#chunksLength += value.length;
      return;
    }
    this.#ensure(value.length);
    this.#buffer.set(value, this.#length);
    this.#length += value.length;
  }

  writeBytes(value: Uint8Array): void {
    this.writeInt32(value.length);
    this.writeRaw(value);
  }

  writeNullableBytes(value: Uint8Array | null): void {
    if (value === null) this.writeInt32(-1);
    else this.writeBytes(value);
  }

  writeCompactBytes(value: Uint8Array): void {
    this.writeUVarInt(value.length + 1);
    this.writeRaw(value);
  }

  writeCompactNullableBytes(value: Uint8Array | null): void {
    if (value === null) this.writeUVarInt(0);
    else this.writeCompactBytes(value);
  }

  /** A classic array length (int32); -1 writes a null array. */
  writeArrayLength(length: number): void {
    this.writeInt32(length);
  }

  /** A compact array length (unsigned varint of length + 1); -1 writes a null array. */
  writeCompactArrayLength(length: number): void {
    this.writeUVarInt(length + 1);
  }

  writeArray<T>(elements: readonly T[], writeElement: (writer: Writer, element: T) => void): void {
    this.writeArrayLength(elements.length);
    for (let i = 0; i < elements.length; i++) writeElement(this, elements[i]);
  }

  writeNullableArray<T>(elements: readonly T[] | null, writeElement: (writer: Writer, element: T) => void): void {
    if (elements === null) this.writeArrayLength(-1);
    else this.writeArray(elements, writeElement);
  }

  writeCompactArray<T>(elements: readonly T[], writeElement: (writer: Writer, element: T) => void): void {
    this.writeCompactArrayLength(elements.length);
    for (let i = 0; i < elements.length; i++) writeElement(this, elements[i]);
  }

  writeCompactNullableArray<T>(
    elements: readonly T[] | null,
    writeElement: (writer: Writer, element: T) => void,
  ): void {
    if (elements === null) this.writeCompactArrayLength(-1);
    else this.writeCompactArray(elements, writeElement);
  }

  /** A tagged-field section with no fields (KIP-482). */
  writeEmptyTaggedFields(): void {
    this.#ensure(1);
    this.#buffer[this.#length++] = 0;
  }

  /**
   * Starts a section prefixed by its size as an unsigned varint (a tagged field's data). One byte is reserved for
   * the size, which fits sizes below 128; `finishUVarIntSized` moves the section along if the size needs more.
   */
  startUVarIntSized(): number {
    this.#ensure(1);
    this.#openSections++;
    return this.#length++;
  }

  finishUVarIntSized(mark: number): void {
    const start = mark + 1;
    const size = this.#length - start;
    let sizeBytes = 1;
    for (let v = size >>> 7; v > 0; v >>>= 7) sizeBytes++;
    if (sizeBytes > 1) {
      this.#ensure(sizeBytes - 1);
      this.#buffer.copyWithin(mark + sizeBytes, start, this.#length);
    }
    const b = this.#buffer;
    let o = mark;
    let v = size;
    while (v >= 0x80) {
      b[o++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    b[o] = v;
    this.#length += sizeBytes - 1;
    // Only now: growing the buffer above must not move the section away from `mark`.
    this.#openSections--;
  }

  /**
   * The bytes written so far, in one buffer (copied together when raw values were referenced). The result shares
   * memory with the writer, which is safe because writers only append: later writes never change bytes already
   * handed out (unless a size-prefixed section is still open).
   */
  toBuffer(): Buffer {
    const chunks = this.toChunks();
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.length);
  }

  /** The bytes written so far as a list of buffers, the referenced raw values among them, uncopied. */
  toChunks(): Buffer[] {
    const tail = this.#buffer.subarray(this.#chunkStart, this.#length);
    if (this.#chunks.length === 0) return [tail];
    return tail.length === 0 ? [...this.#chunks] : [...this.#chunks, tail];
  }

  /** Moves what #buffer holds beyond the last chunk into #chunks; later writes go on after it in #buffer. */
  #cutChunk(): void {
    if (this.#length === this.#chunkStart) return;
    this.#chunks.push(this.#buffer.subarray(this.#chunkStart, this.#length));
    this.#chunksLength += this.#length - this.#chunkStart;
    this.#chunkStart = this.#length;
  }
}
