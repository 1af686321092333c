// The primitive encodings of the Kafka protocol (https://kafka.apache.org/protocol#protocol_types): expected bytes
// are written out by hand from the spec, so these tests pin the wire format rather than just round-tripping.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Reader } from '../src/protocol/reader.ts';
import { Writer } from '../src/protocol/writer.ts';

function bytes(write: (writer: Writer) => void, initialCapacity?: number): string {
  const writer = new Writer(initialCapacity);
  write(writer);
  return writer.toBuffer().toString('hex');
}

function reader(hex: string): Reader {
  return new Reader(Buffer.from(hex, 'hex'));
}

function assertCode(action: () => unknown, code: string): void {
  assert.throws(action, (error: Error & { code?: string }) => {
    assert.equal(error.code, code, `expected ${code}, got ${error.code}: ${error.message}`);
    return true;
  });
}

describe('unsigned varint', () => {
  const cases: [number, string][] = [
    [0, '00'],
    [1, '01'],
    [127, '7f'],
    [128, '8001'],
    [300, 'ac02'],
    [16383, 'ff7f'],
    [16384, '808001'],
    [2097151, 'ffff7f'],
    [2097152, '80808001'],
    [268435455, 'ffffff7f'],
    [268435456, '8080808001'],
    [0xffffffff, 'ffffffff0f'],
  ];
  for (const [value, hex] of cases) {
    it(`${value} is ${hex}`, () => {
      assert.equal(
        bytes((w) => w.writeUVarInt(value)),
        hex,
      );
      const r = reader(hex);
      assert.equal(r.readUVarInt(), value);
      assert.equal(r.remaining, 0);
    });
  }

  it('rejects values outside 32 bits when writing', () => {
    for (const value of [-1, 2 ** 32, 1.5, Number.NaN]) {
      assertCode(() => new Writer().writeUVarInt(value), 'ERR_UNENCODABLE_MESSAGE');
    }
  });

  it('rejects a sixth byte and a fifth byte with bits beyond 32 as malformed', () => {
    assertCode(() => reader('ffffffff8f01').readUVarInt(), 'ERR_MALFORMED_FRAME');
    assertCode(() => reader('ffffffff10').readUVarInt(), 'ERR_MALFORMED_FRAME');
  });

  it('throws ERR_TRUNCATED_FRAME when the frame ends inside a varint', () => {
    assertCode(() => reader('80').readUVarInt(), 'ERR_TRUNCATED_FRAME');
    assertCode(() => reader('').readUVarInt(), 'ERR_TRUNCATED_FRAME');
  });
});

describe('signed zig-zag varint and varlong', () => {
  const varints: [number, string][] = [
    [0, '00'],
    [-1, '01'],
    [1, '02'],
    [-64, '7f'],
    [64, '8001'],
    [2147483647, 'feffffff0f'],
    [-2147483648, 'ffffffff0f'],
  ];
  for (const [value, hex] of varints) {
    it(`varint ${value} is ${hex}`, () => {
      assert.equal(
        bytes((w) => w.writeVarInt(value)),
        hex,
      );
      assert.equal(reader(hex).readVarInt(), value);
    });
  }

  const varlongs: [bigint, string][] = [
    [0n, '00'],
    [-1n, '01'],
    [1n, '02'],
    [-(2n ** 31n) - 1n, '8180808010'],
    [2n ** 63n - 1n, 'feffffffffffffffff01'],
    [-(2n ** 63n), 'ffffffffffffffffff01'],
  ];
  for (const [value, hex] of varlongs) {
    it(`varlong ${value} is ${hex}`, () => {
      assert.equal(
        bytes((w) => w.writeVarLong(value)),
        hex,
      );
      const r = reader(hex);
      assert.equal(r.readVarLong(), value);
      assert.equal(r.remaining, 0);
    });
  }

  it('rejects varints outside their range', () => {
    assertCode(() => new Writer().writeVarInt(2 ** 31), 'ERR_UNENCODABLE_MESSAGE');
    assertCode(() => new Writer().writeVarLong(2n ** 63n), 'ERR_UNENCODABLE_MESSAGE');
    assertCode(() => reader('ffffffffffffffffff02').readVarLong(), 'ERR_MALFORMED_FRAME');
    assertCode(() => reader('ffff').readVarLong(), 'ERR_TRUNCATED_FRAME');
  });
});

describe('fixed-width numbers', () => {
  it('are big-endian, signed where the type is signed', () => {
    const hex = bytes((w) => {
      w.writeInt8(-2);
      w.writeInt16(-32768);
      w.writeUInt16(65535);
      w.writeInt32(-2);
      w.writeUInt32(0xfffffffe);
      w.writeInt64(-(2n ** 63n));
      w.writeFloat64(-1.5);
      w.writeBoolean(true);
      w.writeBoolean(false);
    });
    assert.equal(
      hex,
      'fe' + '8000' + 'ffff' + 'fffffffe' + 'fffffffe' + '8000000000000000' + 'bff8000000000000' + '0100',
    );
    const r = reader(hex);
    assert.equal(r.readInt8(), -2);
    assert.equal(r.readInt16(), -32768);
    assert.equal(r.readUInt16(), 65535);
    assert.equal(r.readInt32(), -2);
    assert.equal(r.readUInt32(), 0xfffffffe);
    assert.equal(r.readInt64(), -(2n ** 63n));
    assert.equal(r.readFloat64(), -1.5);
    assert.equal(r.readBoolean(), true);
    assert.equal(r.readBoolean(), false);
    assert.equal(r.remaining, 0);
  });

  it('reads any non-zero byte as true, as Kafka does', () => {
    assert.equal(reader('07').readBoolean(), true);
  });
});

describe('strings and bytes', () => {
  it('prefix classic strings with an int16 byte length and -1 for null', () => {
    assert.equal(
      bytes((w) => w.writeString('abc')),
      '0003616263',
    );
    assert.equal(
      bytes((w) => w.writeNullableString(null)),
      'ffff',
    );
    assert.equal(
      bytes((w) => w.writeString('é')),
      '0002c3a9',
    );
    const r = reader('0003616263ffff0002c3a9');
    assert.equal(r.readString(), 'abc');
    assert.equal(r.readNullableString(), null);
    assert.equal(r.readNullableString(), 'é');
  });

  it('prefix compact strings with an unsigned varint of length + 1 and 0 for null', () => {
    assert.equal(
      bytes((w) => w.writeCompactString('')),
      '01',
    );
    assert.equal(
      bytes((w) => w.writeCompactString('abc')),
      '04616263',
    );
    assert.equal(
      bytes((w) => w.writeCompactNullableString(null)),
      '00',
    );
    const long = 'x'.repeat(200);
    assert.equal(
      bytes((w) => w.writeCompactString(long)),
      `c901${'78'.repeat(200)}`,
    );
    const r = reader(`010461626300c901${'78'.repeat(200)}`);
    assert.equal(r.readCompactString(), '');
    assert.equal(r.readCompactNullableString(), 'abc');
    assert.equal(r.readCompactNullableString(), null);
    assert.equal(r.readCompactString(), long);
  });

  it('prefix bytes with an int32 length (classic) or varint length + 1 (compact), null as -1 / 0', () => {
    const data = Buffer.from([1, 2, 3]);
    assert.equal(
      bytes((w) => w.writeBytes(data)),
      '00000003010203',
    );
    assert.equal(
      bytes((w) => w.writeNullableBytes(null)),
      'ffffffff',
    );
    assert.equal(
      bytes((w) => w.writeCompactBytes(data)),
      '04010203',
    );
    assert.equal(
      bytes((w) => w.writeCompactNullableBytes(null)),
      '00',
    );
    const r = reader('00000003010203ffffffff0401020300');
    assert.deepEqual(r.readBytes(), data);
    assert.equal(r.readNullableBytes(), null);
    assert.deepEqual(r.readCompactBytes(), data);
    assert.equal(r.readCompactNullableBytes(), null);
  });

  it('refuses null where the type is not nullable', () => {
    assertCode(() => reader('ffff').readString(), 'ERR_MALFORMED_FRAME');
    assertCode(() => reader('00').readCompactString(), 'ERR_MALFORMED_FRAME');
    assertCode(() => reader('ffffffff').readBytes(), 'ERR_MALFORMED_FRAME');
    assertCode(() => reader('00').readCompactBytes(), 'ERR_MALFORMED_FRAME');
  });

  it('refuses to write a classic string longer than an int16 length allows', () => {
    assertCode(() => new Writer().writeString('x'.repeat(0x8000)), 'ERR_UNENCODABLE_MESSAGE');
  });
});

describe('uuid', () => {
  it('is 16 raw bytes, read back in canonical lower-case form', () => {
    const hex = bytes((w) => w.writeUuid('0123ABCD-4567-89ab-CDEF-0123456789AB'));
    assert.equal(hex, '0123abcd456789abcdef0123456789ab');
    assert.equal(reader(hex).readUuid(), '0123abcd-4567-89ab-cdef-0123456789ab');
    assert.equal(reader('00'.repeat(16)).readUuid(), '00000000-0000-0000-0000-000000000000');
  });

  it('refuses anything that is not a uuid', () => {
    for (const value of [
      '',
      'not-a-uuid',
      '0123abcd456789abcdef0123456789ab',
      '0123abcd-4567-89ab-cdef-0123456789ag',
    ]) {
      assertCode(() => new Writer().writeUuid(value), 'ERR_UNENCODABLE_MESSAGE');
    }
  });
});

describe('arrays', () => {
  it('write classic and compact lengths, null as -1 and 0', () => {
    const hex = bytes((w) => {
      w.writeArray([1, 2], (writer, n) => writer.writeInt8(n));
      w.writeNullableArray(null, (writer, n: number) => writer.writeInt8(n));
      w.writeCompactArray([3], (writer, n) => writer.writeInt8(n));
      w.writeCompactNullableArray(null, (writer, n: number) => writer.writeInt8(n));
    });
    assert.equal(hex, '000000020102' + 'ffffffff' + '0203' + '00');
    const r = reader(hex);
    const int8 = (rd: Reader) => rd.readInt8();
    assert.deepEqual(r.readArray(int8), [1, 2]);
    assert.equal(r.readNullableArray(int8), null);
    assert.deepEqual(r.readCompactArray(int8), [3]);
    assert.equal(r.readCompactNullableArray(int8), null);
    assert.equal(r.remaining, 0);
  });

  it('refuse a length larger than the bytes left before allocating anything', () => {
    assertCode(() => reader('7fffffff00').readArrayLength(), 'ERR_TRUNCATED_FRAME');
    assertCode(() => reader('ffffffff0f').readCompactArrayLength(), 'ERR_TRUNCATED_FRAME');
  });

  it('refuse null where the array is not nullable', () => {
    assertCode(() => reader('ffffffff').readArray((r) => r.readInt8()), 'ERR_MALFORMED_FRAME');
    assertCode(() => reader('00').readCompactArray((r) => r.readInt8()), 'ERR_MALFORMED_FRAME');
  });
});

describe('tagged fields', () => {
  it('readTaggedFields skips every field, whatever its tag and size', () => {
    // Two fields: tag 0 with 2 bytes, tag 300 with 130 bytes; then an int32 that must still be readable.
    const hex = ['02', '00', '02', 'aabb', 'ac02', '8201', 'cc'.repeat(130), '0000002a'].join('');
    const r = reader(hex);
    r.readTaggedFields();
    assert.equal(r.readInt32(), 42);
  });

  it('throws ERR_TRUNCATED_FRAME when a field claims more bytes than are left', () => {
    assertCode(() => reader('010005aabb').readTaggedFields(), 'ERR_TRUNCATED_FRAME');
  });

  it('size-prefixed sections get the right varint size, however large', () => {
    for (const size of [0, 1, 127, 128, 16383, 16384, 100000]) {
      // A small initial capacity makes the writer grow while the section is open and when the prefix widens.
      const writer = new Writer(16);
      writer.writeInt8(7);
      const mark = writer.startUVarIntSized();
      for (let i = 0; i < size; i++) writer.writeInt8(i % 100);
      writer.finishUVarIntSized(mark);
      writer.writeInt8(9);
      const r = new Reader(writer.toBuffer());
      assert.equal(r.readInt8(), 7);
      assert.equal(r.readUVarInt(), size);
      const section = r.readRaw(size);
      assert.ok(section.every((byte, i) => byte === i % 100));
      assert.equal(r.readInt8(), 9);
      assert.equal(r.remaining, 0);
    }
  });

  it('keeps a short section intact when it closes at the very end of the buffer', () => {
    const writer = new Writer(16);
    for (let i = 0; i < 14; i++) writer.writeInt8(1);
    const mark = writer.startUVarIntSized();
    writer.writeInt8(5);
    writer.finishUVarIntSized(mark);
    assert.equal(writer.toBuffer().subarray(14).toString('hex'), '0105');
  });
});

describe('truncated input', () => {
  const reads: [string, string, (r: Reader) => unknown][] = [
    ['int8', '', (r) => r.readInt8()],
    ['boolean', '', (r) => r.readBoolean()],
    ['int16', 'ff', (r) => r.readInt16()],
    ['uint16', 'ff', (r) => r.readUInt16()],
    ['int32', 'ffffff', (r) => r.readInt32()],
    ['uint32', 'ffffff', (r) => r.readUInt32()],
    ['int64', 'ff'.repeat(7), (r) => r.readInt64()],
    ['float64', 'ff'.repeat(7), (r) => r.readFloat64()],
    ['uuid', 'ff'.repeat(15), (r) => r.readUuid()],
    ['string', '000561', (r) => r.readString()],
    ['nullable string', '00', (r) => r.readNullableString()],
    ['compact string', '0561', (r) => r.readCompactString()],
    ['bytes', '0000000261', (r) => r.readBytes()],
    ['compact nullable bytes', '0361', (r) => r.readCompactNullableBytes()],
    ['raw', '6162', (r) => r.readRaw(3)],
    ['skip', '6162', (r) => r.skip(3)],
  ];
  for (const [name, hex, read] of reads) {
    it(`${name} throws ERR_TRUNCATED_FRAME`, () => assertCode(() => read(reader(hex)), 'ERR_TRUNCATED_FRAME'));
  }

  it('does not move the read position on a failed fixed-width read', () => {
    const r = reader('ffffff');
    assertCode(() => r.readInt32(), 'ERR_TRUNCATED_FRAME');
    assert.equal(r.offset, 0);
  });
});

describe('Writer', () => {
  it('grows past its initial capacity without losing or reordering bytes', () => {
    const writer = new Writer(16);
    for (let i = 0; i < 10000; i++) writer.writeInt32(i);
    const buffer = writer.toBuffer();
    assert.equal(buffer.length, 40000);
    assert.equal(writer.length, 40000);
    for (let i = 0; i < 10000; i++) assert.equal(buffer.readInt32BE(i * 4), i);
  });

  it('leaves an earlier toBuffer() result unchanged by later writes', () => {
    const writer = new Writer(16);
    writer.writeInt32(1);
    const first = writer.toBuffer();
    for (let i = 0; i < 100; i++) writer.writeInt32(2);
    assert.equal(first.toString('hex'), '00000001');
  });

  it('refuses integers outside their type', () => {
    assert.throws(() => new Writer().writeInt8(128));
    assert.throws(() => new Writer().writeInt16(32768));
    assert.throws(() => new Writer().writeInt32(2 ** 31));
    assert.throws(() => new Writer().writeInt64(2n ** 63n));
  });
});

describe('Writer chunks', () => {
  const large = (fill: number) => Buffer.alloc(5000, fill);

  it('references a large raw value instead of copying it, and reads back as one message', () => {
    const records = large(7);
    const writer = new Writer(16);
    writer.writeInt32(1);
    writer.writeCompactBytes(records);
    writer.writeInt16(2);
    const chunks = writer.toChunks();
    assert.ok(
      chunks.some((chunk) => chunk === records),
      'the value itself is one of the chunks',
    );
    assert.equal(writer.length, 4 + 2 + records.length + 2);
    const reader = new Reader(Buffer.concat(chunks));
    assert.equal(reader.readInt32(), 1);
    assert.deepEqual(reader.readCompactBytes(), records);
    assert.equal(reader.readInt16(), 2);
    assert.deepEqual(writer.toBuffer(), Buffer.concat(chunks));
  });

  it('keeps writing correctly after a referenced value, through the buffer growing', () => {
    const writer = new Writer(16);
    writer.writeRaw(large(1));
    for (let i = 0; i < 1000; i++) writer.writeInt32(i);
    writer.writeRaw(large(2));
    writer.writeString('end');
    const reader = new Reader(writer.toBuffer());
    assert.deepEqual(reader.readRaw(5000), large(1));
    for (let i = 0; i < 1000; i++) assert.equal(reader.readInt32(), i);
    assert.deepEqual(reader.readRaw(5000), large(2));
    assert.equal(reader.readString(), 'end');
    assert.equal(writer.length, 5000 + 4000 + 5000 + 2 + 3);
  });

  it('copies a large value inside a size-prefixed section, whose size is written when it closes', () => {
    const writer = new Writer(16);
    writer.writeRaw(large(3));
    const mark = writer.startUVarIntSized();
    writer.writeRaw(large(4));
    writer.finishUVarIntSized(mark);
    writer.writeInt8(9);
    const reader = new Reader(writer.toBuffer());
    assert.deepEqual(reader.readRaw(5000), large(3));
    assert.equal(reader.readUVarInt(), 5000);
    assert.deepEqual(reader.readRaw(5000), large(4));
    assert.equal(reader.readInt8(), 9);
  });
});

describe('Writer sections after chunks', () => {
  it('a section whose size needs two bytes stays in place when the buffer grows as it closes', () => {
    const writer = new Writer(16);
    writer.writeInt32(7);
    writer.writeRaw(Buffer.alloc(5000, 5));
    writer.writeInt8(1);
    const mark = writer.startUVarIntSized();
    // 6 bytes in the buffer so far (the int32 before the referenced value included) and 250 in the section: the
    // buffer, grown to 256, is full, and the size needs a second varint byte, so closing the section grows it again.
    for (let i = 0; i < 250; i++) writer.writeInt8(i & 0x7f);
    writer.finishUVarIntSized(mark);
    const reader = new Reader(writer.toBuffer());
    assert.equal(reader.readInt32(), 7);
    assert.deepEqual(reader.readRaw(5000), Buffer.alloc(5000, 5));
    assert.equal(reader.readInt8(), 1);
    assert.equal(reader.readUVarInt(), 250);
    for (let i = 0; i < 250; i++) assert.equal(reader.readInt8(), i & 0x7f);
  });
});
