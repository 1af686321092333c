// Reads Kafka protocol primitive types from one frame (https://kafka.apache.org/protocol#protocol_types).
// Big-endian fixed-width integers; unsigned and zig-zag varints (KIP-482 compact encodings); classic strings/bytes/
// arrays prefixed by int16/int32 lengths with -1 for null, and their compact forms prefixed by an unsigned varint of
// length + 1 with 0 for null. Every read checks the frame's end first and throws TruncatedFrameError past it.
// Bytes are returned as views into the frame (no copy): they keep the frame's memory alive while referenced.
import { MalformedFrameError, TruncatedFrameError } from './codec-errors.ts';

export class Reader {
  readonly buffer: Buffer;
  offset = 0;

  constructor(buffer: Buffer) {
    this.buffer = buffer;
  }

  /** Bytes left between the read position and the end of the frame. */
  get remaining(): number {
    return this.buffer.length - this.offset;
  }

  #need(bytes: number): void {
    if (this.offset + bytes > this.buffer.length) throw new TruncatedFrameError(bytes, this.remaining);
  }

  skip(bytes: number): void {
    this.#need(bytes);
    this.offset += bytes;
  }

  readInt8(): number {
    this.#need(1);
    return (this.buffer[this.offset++] << 24) >> 24;
  }

  readBoolean(): boolean {
    this.#need(1);
    return this.buffer[this.offset++] !== 0;
  }

  readInt16(): number {
    this.#need(2);
    const b = this.buffer;
    const o = this.offset;
    this.offset = o + 2;
    return ((b[o] << 24) | (b[o + 1] << 16)) >> 16;
  }

  readUInt16(): number {
    this.#need(2);
    const b = this.buffer;
    const o = this.offset;
    this.offset = o + 2;
    return (b[o] << 8) | b[o + 1];
  }

  readInt32(): number {
    this.#need(4);
    const b = this.buffer;
    const o = this.offset;
    this.offset = o + 4;
    return (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
  }

  readUInt32(): number {
    return this.readInt32() >>> 0;
  }

  readInt64(): bigint {
    this.#need(8);
    const value = this.buffer.readBigInt64BE(this.offset);
    this.offset += 8;
    return value;
  }

  readFloat64(): number {
    this.#need(8);
    const value = this.buffer.readDoubleBE(this.offset);
    this.offset += 8;
    return value;
  }

  /** An unsigned varint of at most 32 bits (5 bytes), as Kafka's ByteUtils.readUnsignedVarint. */
  readUVarInt(): number {
    const b = this.buffer;
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (this.offset >= b.length) throw new TruncatedFrameError(1, 0);
      const byte = b[this.offset++];
      if (shift === 28 && byte > 0x0f) throw new MalformedFrameError('unsigned varint exceeds 32 bits');
      value |= (byte & 0x7f) << shift;
      if (byte < 0x80) return value >>> 0;
    }
    throw new MalformedFrameError('unsigned varint exceeds 32 bits');
  }

  /** A zig-zag encoded signed 32-bit varint. */
  readVarInt(): number {
    const raw = this.readUVarInt();
    return (raw >>> 1) ^ -(raw & 1);
  }

  /** A zig-zag encoded signed 64-bit varint (at most 10 bytes). */
  readVarLong(): bigint {
    const b = this.buffer;
    let raw = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.offset >= b.length) throw new TruncatedFrameError(1, 0);
      const byte = b[this.offset++];
      if (shift === 63n && byte > 0x01) throw new MalformedFrameError('varlong exceeds 64 bits');
      raw |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return (raw >> 1n) ^ -(raw & 1n);
    }
    throw new MalformedFrameError('varlong exceeds 64 bits');
  }

  /** 16 bytes, returned in canonical lower-case 8-4-4-4-12 form. */
  readUuid(): string {
    this.#need(16);
    const hex = this.buffer.toString('hex', this.offset, this.offset + 16);
    this.offset += 16;
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  #utf8(length: number): string {
    this.#need(length);
    const start = this.offset;
    this.offset = start + length;
    return this.buffer.toString('utf8', start, start + length);
  }

  #view(length: number): Buffer {
    this.#need(length);
    const start = this.offset;
    this.offset = start + length;
    return this.buffer.subarray(start, start + length);
  }

  readString(): string {
    const length = this.readInt16();
    if (length < 0) throw new MalformedFrameError('null in a non-nullable string');
    return this.#utf8(length);
  }

  readNullableString(): string | null {
    const length = this.readInt16();
    return length < 0 ? null : this.#utf8(length);
  }

  readCompactString(): string {
    const length = this.readUVarInt() - 1;
    if (length < 0) throw new MalformedFrameError('null in a non-nullable compact string');
    return this.#utf8(length);
  }

  readCompactNullableString(): string | null {
    const length = this.readUVarInt() - 1;
    return length < 0 ? null : this.#utf8(length);
  }

  readBytes(): Buffer {
    const length = this.readInt32();
    if (length < 0) throw new MalformedFrameError('null in non-nullable bytes');
    return this.#view(length);
  }

  readNullableBytes(): Buffer | null {
    const length = this.readInt32();
    return length < 0 ? null : this.#view(length);
  }

  readCompactBytes(): Buffer {
    const length = this.readUVarInt() - 1;
    if (length < 0) throw new MalformedFrameError('null in non-nullable compact bytes');
    return this.#view(length);
  }

  readCompactNullableBytes(): Buffer | null {
    const length = this.readUVarInt() - 1;
    return length < 0 ? null : this.#view(length);
  }

  /** `length` raw bytes, as a view into the frame. */
  readRaw(length: number): Buffer {
    return this.#view(length);
  }

  // Every array element takes at least one byte, so a length beyond the remaining bytes is a lie; checking it up
  // front keeps a forged length from making us allocate a huge array (Kafka's generated readers check the same).
  #checkArrayLength(length: number): number {
    if (length > this.remaining) throw new TruncatedFrameError(length, this.remaining);
    return length;
  }

  /** A classic array length (int32), or -1 for a null array. */
  readArrayLength(): number {
    const length = this.readInt32();
    return length < 0 ? -1 : this.#checkArrayLength(length);
  }

  /** A compact array length (unsigned varint of length + 1), or -1 for a null array. */
  readCompactArrayLength(): number {
    const length = this.readUVarInt() - 1;
    return length < 0 ? -1 : this.#checkArrayLength(length);
  }

  readArray<T>(readElement: (reader: Reader) => T): T[] {
    const length = this.readArrayLength();
    if (length < 0) throw new MalformedFrameError('null in a non-nullable array');
    return this.#elements(length, readElement);
  }

  readNullableArray<T>(readElement: (reader: Reader) => T): T[] | null {
    const length = this.readArrayLength();
    return length < 0 ? null : this.#elements(length, readElement);
  }

  readCompactArray<T>(readElement: (reader: Reader) => T): T[] {
    const length = this.readCompactArrayLength();
    if (length < 0) throw new MalformedFrameError('null in a non-nullable compact array');
    return this.#elements(length, readElement);
  }

  readCompactNullableArray<T>(readElement: (reader: Reader) => T): T[] | null {
    const length = this.readCompactArrayLength();
    return length < 0 ? null : this.#elements(length, readElement);
  }

  #elements<T>(length: number, readElement: (reader: Reader) => T): T[] {
    const elements: T[] = [];
    for (let i = 0; i < length; i++) elements.push(readElement(this));
    return elements;
  }

  /** Skips a whole tagged-field section (KIP-482): a count, then per field its tag, size and data. */
  readTaggedFields(): void {
    const count = this.readUVarInt();
    for (let i = 0; i < count; i++) {
      this.readUVarInt();
      this.skip(this.readUVarInt());
    }
  }
}
