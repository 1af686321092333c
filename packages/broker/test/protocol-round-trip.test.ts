// Every generated codec, in every valid version, against the JSON schema it was generated from (the committed codecs,
// and codecs generated on the fly for every other message definition Kafka publishes). For each message and
// version the test builds, straight from the schema, a message with a non-default value in every field that version
// has (and a second one with null in every field that version allows to be null), then checks that:
//  - the generated encoder writes exactly the bytes of a small schema-interpreting reference encoder written here,
//  - decoding gives back the message with every absent field at its default, consuming every byte,
//  - re-encoding the decoded message gives the same bytes,
//  - every strict prefix of the bytes fails to decode with ERR_TRUNCATED_FRAME.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import {
  type FieldSpec,
  inRange,
  MESSAGE_DIR,
  type MessageSpec,
  type Primitive,
  PRIMITIVES,
  parseVersionRange,
  readMessageSpec,
  type VersionRange,
  versionsOf,
} from '../scripts/kafka-message-schema.ts';
import { generateCodecFile, kebabCase } from '../scripts/protocol-codegen.ts';
import {
  decodeConsumerProtocolAssignment,
  encodeConsumerProtocolAssignment,
} from '../src/protocol/generated/consumer-protocol-assignment.ts';
import {
  decodeConsumerProtocolSubscription,
  encodeConsumerProtocolSubscription,
} from '../src/protocol/generated/consumer-protocol-subscription.ts';
import { apiDescriptors } from '../src/protocol/generated/index.ts';
import { decodeRequestHeader, encodeRequestHeader } from '../src/protocol/generated/request-header.ts';
import { decodeResponseHeader, encodeResponseHeader } from '../src/protocol/generated/response-header.ts';
import { Reader } from '../src/protocol/reader.ts';
import { Writer } from '../src/protocol/writer.ts';

interface Codec {
  decode(reader: Reader, version: number): unknown;
  encode(writer: Writer, version: number, message: unknown): void;
}

type Value = unknown;
type Struct = Record<string, Value>;
type Mode = 'values' | 'nulls';

/** The structs a message declares (inline or as commonStructs), by type name. */
class Schema {
  readonly spec: MessageSpec;
  readonly flexible: VersionRange;
  readonly #structs = new Map<string, FieldSpec[]>();

  constructor(spec: MessageSpec) {
    this.spec = spec;
    this.flexible = parseVersionRange(spec.flexibleVersions);
    for (const common of spec.commonStructs ?? []) this.#collect(common.name, common.fields);
    this.#collectFields(spec.fields);
  }

  #collect(name: string, fields: FieldSpec[]): void {
    this.#structs.set(name, fields);
    this.#collectFields(fields);
  }

  #collectFields(fields: FieldSpec[]): void {
    for (const field of fields) if (field.fields) this.#collect(field.type.replace(/^\[\]/, ''), field.fields);
  }

  fieldsOf(type: string): FieldSpec[] {
    const fields = this.#structs.get(type);
    assert.ok(fields, `${this.spec.name}: unknown struct ${type}`);
    return fields;
  }
}

function propOf(field: FieldSpec): string {
  return field.name.charAt(0).toLowerCase() + field.name.slice(1);
}

function has(range: string | undefined, version: number): boolean {
  return range !== undefined && inRange(parseVersionRange(range), version);
}

function isTagged(field: FieldSpec, version: number): boolean {
  return has(field.taggedVersions, version);
}

function everNullable(field: FieldSpec): boolean {
  return field.nullableVersions !== undefined && field.nullableVersions !== 'none';
}

/** What the test knows of one primitive type: its zero, its JSON default, sample values, and its wire form. */
interface PrimitiveType {
  zero(): Value;
  fromDefault(declared: NonNullable<FieldSpec['default']>): Value;
  /** The n-th sample value (n counts up from 1 within a message), differing from `fallback` where it could clash. */
  sample(n: number, fallback: Value): Value;
  /** The reference encoder's bytes for a value of the type (`flexible`: the compact forms of flexible versions). */
  write(writer: Writer, value: Value, flexible: boolean): void;
}

/** Alternates the sign of successive samples, so both halves of signed ranges are written. */
function signOf(n: number): number {
  return n % 2 === 0 ? 1 : -1;
}

function integer(sample: (n: number) => number, write: (writer: Writer, value: number) => void): PrimitiveType {
  return {
    zero: () => 0,
    fromDefault: Number,
    sample(n, fallback) {
      const value = sample(n);
      return value === fallback ? value + 1 : value;
    },
    write: (writer, value) => write(writer, value as number),
  };
}

/** A string or bytes value: its length (-1, or 0 when compact, for null) and then its bytes. */
function sized(
  toBytes: (value: Value) => Buffer,
  writeLength: (writer: Writer, length: number) => void,
): PrimitiveType['write'] {
  return (writer, value, flexible) => {
    const data = value === null ? null : toBytes(value);
    if (flexible) writer.writeUVarInt(data === null ? 0 : data.length + 1);
    else writeLength(writer, data === null ? -1 : data.length);
    if (data !== null) writer.writeRaw(data);
  };
}

const BYTES: PrimitiveType = {
  zero: () => Buffer.alloc(0),
  fromDefault: () => Buffer.alloc(0),
  sample: (n) => Buffer.from(`bytes-${n}`),
  write: sized(
    (value) => value as Buffer,
    (writer, length) => writer.writeInt32(length),
  ),
};

const PRIMITIVE_TYPES: Record<Primitive, PrimitiveType> = {
  bool: {
    zero: () => false,
    fromDefault: (declared) => declared === true || declared === 'true',
    sample: (_n, fallback) => fallback !== true,
    write: (writer, value) => writer.writeBoolean(value as boolean),
  },
  int8: integer(
    (n) => signOf(n) * (1 + (n % 100)),
    (writer, value) => writer.writeInt8(value),
  ),
  int16: integer(
    (n) => signOf(n) * (1000 + n),
    (writer, value) => writer.writeInt16(value),
  ),
  uint16: integer(
    (n) => 40000 + n,
    (writer, value) => writer.writeUInt16(value),
  ),
  int32: integer(
    (n) => signOf(n) * (100000 + n * 7),
    (writer, value) => writer.writeInt32(value),
  ),
  int64: {
    zero: () => 0n,
    fromDefault: (declared) => BigInt(declared),
    sample: (n) => BigInt(signOf(n)) * (2n ** 40n + BigInt(n)),
    write: (writer, value) => writer.writeInt64(value as bigint),
  },
  float64: {
    zero: () => 0,
    fromDefault: Number,
    sample: (n) => n + 0.25,
    write: (writer, value) => writer.writeFloat64(value as number),
  },
  string: {
    zero: () => '',
    fromDefault: String,
    sample: (n) => `v${n}-ü`,
    write: sized(
      (value) => Buffer.from(value as string, 'utf8'),
      (writer, length) => writer.writeInt16(length),
    ),
  },
  bytes: BYTES,
  records: BYTES,
  uuid: {
    zero: () => '00000000-0000-0000-0000-000000000000',
    fromDefault: String,
    sample: (n) => `${n.toString(16).padStart(8, '0')}-1234-4abc-8def-${(n * 31).toString(16).padStart(12, 'f')}`,
    write: (writer, value) => writer.writeUuid(value as string),
  },
};

function primitiveType(type: string): PrimitiveType {
  const primitive = PRIMITIVE_TYPES[type as Primitive];
  if (!primitive) throw new Error(`unknown type ${type}`);
  return primitive;
}

/** A field's default: the JSON default, else null if the field is ever nullable, else the type's zero. */
function defaultValue(schema: Schema, field: FieldSpec, type = field.type): Value {
  const declared = field.default;
  if (declared === 'null' || (declared === undefined && everNullable(field))) return null;
  if (type.startsWith('[]')) return [];
  if (!PRIMITIVES.has(type)) return defaultStruct(schema, type);
  const primitive = primitiveType(type);
  return declared === undefined ? primitive.zero() : primitive.fromDefault(declared);
}

function defaultStruct(schema: Schema, type: string): Struct {
  const struct: Struct = {};
  for (const field of schema.fieldsOf(type)) struct[propOf(field)] = defaultValue(schema, field);
  return struct;
}

// ---------------------------------------------------------------------------------------------------------------------
// Building messages: `message` holds only the fields of the version (what a caller would pass to an encoder),
// `expected` every field, the absent ones at their defaults (what a decoder must return).

interface Built {
  message: Value;
  expected: Value;
}

class Builder {
  readonly #schema: Schema;
  readonly #version: number;
  readonly #mode: Mode;
  #seed = 0;

  constructor(schema: Schema, version: number, mode: Mode) {
    this.#schema = schema;
    this.#version = version;
    this.#mode = mode;
  }

  struct(fields: FieldSpec[]): { message: Struct; expected: Struct } {
    const message: Struct = {};
    const expected: Struct = {};
    for (const field of fields) {
      const prop = propOf(field);
      if (!has(field.versions, this.#version)) {
        expected[prop] = defaultValue(this.#schema, field);
        continue;
      }
      const built = this.#field(field);
      message[prop] = built.message;
      expected[prop] = built.expected;
    }
    return { message, expected };
  }

  #field(field: FieldSpec): Built {
    if (this.#mode === 'nulls' && has(field.nullableVersions, this.#version)) return { message: null, expected: null };
    const type = field.type;
    if (type.startsWith('[]')) {
      const elementType = type.slice(2);
      const elements = [this.#element(field, elementType), this.#element(field, elementType)];
      return { message: elements.map((e) => e.message), expected: elements.map((e) => e.expected) };
    }
    return this.#element(field, type);
  }

  #element(field: FieldSpec, type: string): Built {
    if (!PRIMITIVES.has(type)) return this.struct(this.#schema.fieldsOf(type));
    const value = this.#primitive(type, field.type === type ? defaultValue(this.#schema, field) : undefined);
    return { message: value, expected: value };
  }

  /** A value of the type that differs from `fallback` and from the values used before it. */
  #primitive(type: string, fallback: Value): Value {
    return primitiveType(type).sample(++this.#seed, fallback);
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Reference encoder: walks the schema at run time, field by field, from the complete (expected) message.

class ReferenceEncoder {
  readonly #schema: Schema;
  readonly #version: number;

  constructor(schema: Schema, version: number) {
    this.#schema = schema;
    this.#version = version;
  }

  struct(writer: Writer, fields: FieldSpec[], value: Struct): void {
    const tagged: FieldSpec[] = [];
    for (const field of fields) {
      if (!has(field.versions, this.#version)) continue;
      if (isTagged(field, this.#version)) tagged.push(field);
      else this.#field(writer, field, value[propOf(field)]);
    }
    if (!inRange(this.#schema.flexible, this.#version)) return;
    const written = tagged
      .filter((field) => !isDeepStrictEqual(value[propOf(field)], defaultValue(this.#schema, field)))
      .sort((a, b) => Number(a.tag) - Number(b.tag));
    writer.writeUVarInt(written.length);
    for (const field of written) {
      const data = new Writer();
      this.#field(data, field, value[propOf(field)]);
      writer.writeUVarInt(Number(field.tag));
      writer.writeUVarInt(data.length);
      writer.writeRaw(data.toBuffer());
    }
  }

  #field(writer: Writer, field: FieldSpec, value: Value): void {
    const flexible = inRange(
      field.flexibleVersions === undefined ? this.#schema.flexible : parseVersionRange(field.flexibleVersions),
      this.#version,
    );
    const type = field.type;
    if (type.startsWith('[]')) {
      const elementType = type.slice(2);
      if (value === null) {
        if (flexible) writer.writeUVarInt(0);
        else writer.writeInt32(-1);
        return;
      }
      const elements = value as Value[];
      if (flexible) writer.writeUVarInt(elements.length + 1);
      else writer.writeInt32(elements.length);
      for (const element of elements) this.#element(writer, elementType, flexible, element);
      return;
    }
    if (!PRIMITIVES.has(type) && has(field.nullableVersions, this.#version)) {
      writer.writeInt8(value === null ? -1 : 1);
      if (value === null) return;
    }
    this.#element(writer, type, flexible, value);
  }

  #element(writer: Writer, type: string, flexible: boolean, value: Value): void {
    if (!PRIMITIVES.has(type)) {
      this.struct(writer, this.#schema.fieldsOf(type), value as Struct);
      return;
    }
    primitiveType(type).write(writer, value, flexible);
  }
}

// ---------------------------------------------------------------------------------------------------------------------

function encode(codec: Codec, version: number, message: Value): Buffer {
  const writer = new Writer(64);
  codec.encode(writer, version, message);
  return writer.toBuffer();
}

const PROTOCOL_SOURCE_DIR = resolve(import.meta.dirname, '../src/protocol');

const EXPECTED_API_KEYS = [0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 22, 23, 32, 37, 42, 60];

const messages: { name: string; codec: Codec }[] = [
  ...[...apiDescriptors.values()].flatMap((api) => [
    { name: `${api.name}Request`, codec: { decode: api.decodeRequest, encode: api.encodeRequest } },
    { name: `${api.name}Response`, codec: { decode: api.decodeResponse, encode: api.encodeResponse } },
  ]),
  { name: 'RequestHeader', codec: { decode: decodeRequestHeader, encode: encodeRequestHeader } as Codec },
  { name: 'ResponseHeader', codec: { decode: decodeResponseHeader, encode: encodeResponseHeader } as Codec },
  {
    name: 'ConsumerProtocolSubscription',
    codec: { decode: decodeConsumerProtocolSubscription, encode: encodeConsumerProtocolSubscription } as Codec,
  },
  {
    name: 'ConsumerProtocolAssignment',
    codec: { decode: decodeConsumerProtocolAssignment, encode: encodeConsumerProtocolAssignment } as Codec,
  },
];

it('generates a descriptor for exactly the APIs the broker needs, with the versions of their schemas', () => {
  assert.deepEqual(
    [...apiDescriptors.keys()].sort((a, b) => a - b),
    EXPECTED_API_KEYS,
  );
  for (const [apiKey, api] of apiDescriptors) {
    const spec = readMessageSpec(`${api.name}Request`);
    const valid = parseVersionRange(spec.validVersions);
    assert.equal(spec.apiKey, apiKey);
    assert.equal(api.apiKey, apiKey);
    assert.equal(api.minVersion, valid.min);
    assert.equal(api.maxVersion, valid.max);
  }
});

/** Declares the round-trip and truncation tests of one message. */
function roundTripTests(name: string, codec: Codec, options: { truncation: boolean }): void {
  describe(name, () => {
    const spec = readMessageSpec(name);
    const schema = new Schema(spec);
    const versions = versionsOf(parseVersionRange(spec.validVersions));

    for (const mode of ['values', 'nulls'] as const) {
      it(`round-trips every version (${versions[0]}-${versions.at(-1)}) with ${mode} in every field`, () => {
        for (const version of versions) {
          const { message, expected } = new Builder(schema, version, mode).struct(spec.fields);
          const at = `${name} v${version} (${mode})`;

          const bytes = encode(codec, version, message);
          const reference = new Writer(64);
          new ReferenceEncoder(schema, version).struct(reference, spec.fields, expected);
          assert.equal(
            bytes.toString('hex'),
            reference.toBuffer().toString('hex'),
            `${at}: bytes differ from the reference`,
          );

          const reader = new Reader(bytes);
          const decoded = codec.decode(reader, version);
          assert.equal(reader.remaining, 0, `${at}: bytes left after decoding`);
          assert.deepStrictEqual(decoded, expected, `${at}: decoded message differs`);

          assert.ok(encode(codec, version, decoded).equals(bytes), `${at}: re-encoding the decoded message differs`);
          assert.ok(encode(codec, version, expected).equals(bytes), `${at}: encoding with explicit defaults differs`);
        }
      });
    }

    if (!options.truncation) return;
    it('refuses every truncation of a valid message with ERR_TRUNCATED_FRAME', () => {
      for (const version of [versions[0], versions.at(-1) as number]) {
        const { message } = new Builder(schema, version, 'values').struct(spec.fields);
        const bytes = encode(codec, version, message);
        for (let length = 0; length < bytes.length; length++) {
          assert.throws(
            () => codec.decode(new Reader(bytes.subarray(0, length)), version),
            (error: Error & { code?: string }) => error.code === 'ERR_TRUNCATED_FRAME',
            `${name} v${version} cut to ${length} of ${bytes.length} bytes`,
          );
        }
      }
    });
  });
}

describe('committed codecs', () => {
  for (const { name, codec } of messages) roundTripTests(name, codec, { truncation: true });
});

// The broker needs few of Kafka's messages, but the generator must handle every construct the definitions use
// (nullable structs, commonStructs, string tags, ...): generate codecs for all of them into a temporary directory,
// beside copies of the runtime they import, and hold each to the same checks.
describe('codecs generated from every Kafka message definition', async () => {
  const root = mkdtempSync(join(tmpdir(), 'protocol-all-definitions-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const protocolDir = join(root, 'protocol');
  mkdirSync(join(protocolDir, 'generated'), { recursive: true });
  writeFileSync(join(root, 'package.json'), '{ "type": "module" }\n');
  for (const runtime of ['reader.ts', 'writer.ts', 'codec-errors.ts', 'codec-defaults.ts']) {
    copyFileSync(join(PROTOCOL_SOURCE_DIR, runtime), join(protocolDir, runtime));
  }
  const names = readdirSync(MESSAGE_DIR)
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.slice(0, -'.json'.length))
    .sort();
  assert.ok(names.length > 150, `expected Kafka's full set of message definitions, found ${names.length}`);
  for (const name of names) {
    const file = join(protocolDir, 'generated', `${kebabCase(name)}.ts`);
    writeFileSync(file, generateCodecFile([readMessageSpec(name)]));
    const module = (await import(pathToFileURL(file).href)) as Record<string, Codec['decode'] & Codec['encode']>;
    roundTripTests(name, { decode: module[`decode${name}`], encode: module[`encode${name}`] }, { truncation: false });
  }
});
