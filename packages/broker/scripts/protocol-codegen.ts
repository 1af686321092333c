// Turns Kafka JSON message definitions into TypeScript codecs: one interface per struct, and per struct a decoder and
// an encoder written as straight-line code with `version` checks, so nothing interprets the schema at run time.
// Semantics follow Kafka's own generator (MessageDataGenerator): versions, nullableVersions, flexibleVersions (KIP-482
// compact encodings and tagged fields), taggedVersions/tag, defaults and ignorable.
import {
  type FieldSpec,
  inRange,
  type MessageSpec,
  PRIMITIVES,
  type Primitive,
  parseVersionRange,
  type VersionRange,
  versionsOf,
} from './kafka-message-schema.ts';

const NUMBER_TYPES: Readonly<Record<string, { min: number; max: number }>> = {
  int8: { min: -0x80, max: 0x7f },
  int16: { min: -0x8000, max: 0x7fff },
  uint16: { min: 0, max: 0xffff },
  int32: { min: -0x80000000, max: 0x7fffffff },
};

const TS_PRIMITIVE: Readonly<Record<Primitive, string>> = {
  bool: 'boolean',
  int8: 'number',
  int16: 'number',
  uint16: 'number',
  int32: 'number',
  int64: 'bigint',
  float64: 'number',
  string: 'string',
  bytes: 'Buffer',
  records: 'Buffer',
  uuid: 'string',
};

const FIXED_READ: Readonly<Record<string, string>> = {
  bool: 'Boolean',
  int8: 'Int8',
  int16: 'Int16',
  uint16: 'UInt16',
  int32: 'Int32',
  int64: 'Int64',
  float64: 'Float64',
  uuid: 'Uuid',
};

// Names a generated local variable may not take: parameters of the generated functions and JavaScript reserved words.
const RESERVED_LOCALS: ReadonlySet<string> = new Set(
  (
    'reader writer version message arguments eval await break case catch class const continue debugger default ' +
    'delete do else enum export extends false finally for function if implements import in instanceof interface let ' +
    'new null package private protected public return static super switch this throw true try typeof var void while ' +
    'with yield'
  ).split(' '),
);

type TypeRef =
  | { kind: 'primitive'; name: Primitive }
  | { kind: 'struct'; struct: StructModel }
  | { kind: 'array'; element: TypeRef };

interface FieldModel {
  /** The JSON name, e.g. "TopicData". */
  name: string;
  /** The property name, e.g. "topicData". */
  prop: string;
  /** The local variable holding the field in generated functions. */
  local: string;
  about: string | undefined;
  type: TypeRef;
  versions: VersionRange;
  nullable: VersionRange;
  tagged: VersionRange;
  tag: number | undefined;
  flexible: VersionRange;
  ignorable: boolean;
  rawDefault: string | number | boolean | undefined;
  /** Filled in once the versions each struct appears in are known. */
  tsType: string;
  optional: boolean;
  defaultExpr: string;
}

interface StructModel {
  name: string;
  tsName: string;
  fields: FieldModel[];
  /** The versions of the message in which this struct can appear. */
  context: Set<number>;
  /** The specification is the message itself (the root struct) rather than a nested struct. */
  isRoot: boolean;
}

interface MessageModel {
  spec: MessageSpec;
  root: StructModel;
  structs: StructModel[];
  validVersions: number[];
  flexible: VersionRange;
}

export interface GeneratedFile {
  name: string;
  contents: string;
}

function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

export function kebabCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

function isEmpty(range: VersionRange): boolean {
  return range.min > range.max;
}

function doc(text: string): string {
  return text.replace(/\*\//g, '*\\/');
}

function describeRange(range: VersionRange): string {
  if (isEmpty(range)) return 'none';
  if (range.max === Number.POSITIVE_INFINITY) return `${range.min}+`;
  return range.min === range.max ? `${range.min}` : `${range.min}-${range.max}`;
}

// ---------------------------------------------------------------------------------------------------------------------
// Model: resolve struct types, then find the versions in which each struct and field can appear.

function buildModel(spec: MessageSpec): MessageModel {
  const validVersions = versionsOf(parseVersionRange(spec.validVersions));
  const flexible = parseVersionRange(spec.flexibleVersions);
  const structSpecs = new Map<string, FieldSpec[]>();
  const declare = (name: string, fields: FieldSpec[]) => {
    if (structSpecs.has(name)) throw new Error(`${spec.name}: struct ${name} is declared twice`);
    structSpecs.set(name, fields);
    collect(fields);
  };
  const collect = (fields: FieldSpec[]) => {
    for (const field of fields) {
      if (field.fields !== undefined) declare(field.type.replace(/^\[\]/, ''), field.fields);
    }
  };
  for (const common of spec.commonStructs ?? []) declare(common.name, common.fields);
  collect(spec.fields);

  const structs = new Map<string, StructModel>();
  const root: StructModel = { name: spec.name, tsName: spec.name, fields: [], context: new Set(), isRoot: true };
  const structModel = (name: string): StructModel => {
    const existing = structs.get(name);
    if (existing !== undefined) return existing;
    const fields = structSpecs.get(name);
    if (fields === undefined) throw new Error(`${spec.name}: unknown type ${name}`);
    const model: StructModel = { name, tsName: `${spec.name}${name}`, fields: [], context: new Set(), isRoot: false };
    structs.set(name, model);
    model.fields = fields.map(fieldModel);
    return model;
  };
  const typeRef = (type: string): TypeRef => {
    if (type.startsWith('[]')) {
      const element = typeRef(type.slice(2));
      if (element.kind === 'array') throw new Error(`${spec.name}: nested arrays are not supported (${type})`);
      return { kind: 'array', element };
    }
    if (PRIMITIVES.has(type)) return { kind: 'primitive', name: type as Primitive };
    return { kind: 'struct', struct: structModel(type) };
  };
  const fieldModel = (field: FieldSpec): FieldModel => {
    const prop = lowerFirst(field.name);
    const tagged = field.taggedVersions === undefined ? { min: 1, max: 0 } : parseVersionRange(field.taggedVersions);
    if (!isEmpty(tagged) && field.tag === undefined)
      throw new Error(`${spec.name}: tagged field ${field.name} has no tag`);
    return {
      name: field.name,
      prop,
      local: RESERVED_LOCALS.has(prop) ? `${prop}_` : prop,
      about: field.about,
      type: typeRef(field.type),
      versions: parseVersionRange(field.versions),
      nullable: field.nullableVersions === undefined ? { min: 1, max: 0 } : parseVersionRange(field.nullableVersions),
      tagged,
      tag: field.tag === undefined ? undefined : Number(field.tag),
      flexible: field.flexibleVersions === undefined ? flexible : parseVersionRange(field.flexibleVersions),
      ignorable: field.ignorable === true,
      rawDefault: field.default,
      tsType: '',
      optional: false,
      defaultExpr: '',
    };
  };
  root.fields = spec.fields.map(fieldModel);

  // A struct appears in the versions where a field of its type is present; propagate from the root down.
  const visit = (struct: StructModel, versions: number[]) => {
    const added = versions.filter((version) => !struct.context.has(version));
    if (added.length === 0) return;
    for (const version of added) struct.context.add(version);
    for (const field of struct.fields) {
      const present = added.filter((version) => inRange(field.versions, version));
      const type = field.type.kind === 'array' ? field.type.element : field.type;
      if (type.kind === 'struct') visit(type.struct, present);
    }
  };
  visit(root, validVersions);

  const all = [root, ...structs.values()];
  for (const struct of all) {
    const tags = new Set<number>();
    for (const field of struct.fields) {
      const present = [...struct.context].filter((version) => inRange(field.versions, version));
      const isTagged = present.some((version) => inRange(field.tagged, version));
      if (isTagged) {
        if (tags.has(field.tag as number)) throw new Error(`${spec.name}: tag ${field.tag} is used twice`);
        tags.add(field.tag as number);
      }
      const nullable = present.some((version) => inRange(field.nullable, version));
      field.tsType = tsType(field.type) + (nullable ? ' | null' : '');
      field.optional = isTagged || present.length < struct.context.size;
      field.defaultExpr = defaultExpr(spec.name, field, nullable);
    }
  }
  return { spec, root, structs: all, validVersions, flexible };
}

function tsType(type: TypeRef): string {
  if (type.kind === 'primitive') return TS_PRIMITIVE[type.name];
  if (type.kind === 'struct') return type.struct.tsName;
  return `${tsType(type.element)}[]`;
}

function parseInteger(text: string): bigint {
  const match = /^(-?)(0x[0-9a-f]+|\d+)$/i.exec(text.trim());
  if (!match) throw new Error(`invalid integer default "${text}"`);
  const magnitude = BigInt(match[2]);
  return match[1] === '-' ? -magnitude : magnitude;
}

/**
 * The field's default as a TypeScript expression: the JSON default when given, else null for a field nullable in
 * some version, else the type's zero value (0, 0n, false, '', empty bytes, zero uuid, [], a default struct).
 */
function defaultExpr(messageName: string, field: FieldModel, nullable: boolean): string {
  const where = `${messageName}.${field.name}`;
  const value = field.rawDefault;
  const type = field.type;
  if (value === 'null') {
    if (!nullable) throw new Error(`${where}: default null on a field that is never nullable`);
    return 'null';
  }
  if (value === undefined) {
    if (nullable) return 'null';
    if (type.kind === 'array') return '[]';
    if (type.kind === 'struct') return `default${type.struct.tsName}()`;
    switch (type.name) {
      case 'bool':
        return 'false';
      case 'int64':
        return '0n';
      case 'string':
        return "''";
      case 'bytes':
      case 'records':
        return 'EMPTY_BYTES';
      case 'uuid':
        return 'ZERO_UUID';
      default:
        return '0';
    }
  }
  if (type.kind !== 'primitive') throw new Error(`${where}: a ${type.kind} cannot have default "${value}"`);
  const text = String(value);
  switch (type.name) {
    case 'bool':
      if (text !== 'true' && text !== 'false') throw new Error(`${where}: invalid boolean default "${text}"`);
      return text;
    case 'string':
      return JSON.stringify(text);
    case 'int64': {
      const parsed = parseInteger(text);
      if (parsed < -(2n ** 63n) || parsed >= 2n ** 63n) throw new Error(`${where}: default ${text} out of range`);
      return `${parsed}n`;
    }
    case 'float64': {
      const parsed = Number(text);
      if (Number.isNaN(parsed)) throw new Error(`${where}: invalid float default "${text}"`);
      return String(parsed);
    }
    case 'uuid':
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(text)) {
        throw new Error(`${where}: invalid uuid default "${text}"`);
      }
      return JSON.stringify(text);
    case 'bytes':
    case 'records':
      if (text !== '') throw new Error(`${where}: bytes cannot have default "${text}"`);
      return 'EMPTY_BYTES';
    default: {
      const parsed = Number(parseInteger(text));
      const limits = NUMBER_TYPES[type.name];
      if (parsed < limits.min || parsed > limits.max) throw new Error(`${where}: default ${text} out of range`);
      return String(parsed);
    }
  }
}

/** An expression that is true when `value` (not undefined) equals the field's default. */
function isDefaultExpr(field: FieldModel, value: string): string {
  const fallback = field.defaultExpr;
  const nullable = field.tsType.endsWith(' | null');
  if (fallback === 'null') return `${value} === null`;
  const type = field.type;
  if (type.kind === 'struct') {
    const check = `isDefault${type.struct.tsName}(${value})`;
    return nullable ? `(${value} !== null && ${check})` : check;
  }
  if (type.kind === 'array' || type.name === 'bytes' || type.name === 'records') {
    return nullable ? `(${value} !== null && ${value}.length === 0)` : `${value}.length === 0`;
  }
  return `${value} === ${fallback}`;
}

/** The negation of isDefaultExpr, written the direct way. */
function nonDefaultExpr(field: FieldModel, value: string): string {
  const fallback = field.defaultExpr;
  const nullable = field.tsType.endsWith(' | null');
  if (fallback === 'null') return `${value} !== null`;
  const type = field.type;
  if (type.kind === 'struct') {
    const check = `!isDefault${type.struct.tsName}(${value})`;
    return nullable ? `(${value} === null || ${check})` : check;
  }
  if (type.kind === 'array' || type.name === 'bytes' || type.name === 'records') {
    return nullable ? `(${value} === null || ${value}.length !== 0)` : `${value}.length !== 0`;
  }
  return `${value} !== ${fallback}`;
}

// ---------------------------------------------------------------------------------------------------------------------
// Version conditions: `within` is the sorted set of versions that can reach a point in the generated code, `subset`
// those for which a branch must run. The condition tests only the bounds that tell the two apart.

function condition(subset: readonly number[], within: readonly number[]): string {
  const runs: [number, number][] = [];
  let start = -1;
  for (let i = 0; i < within.length; i++) {
    const member = subset.includes(within[i]);
    if (member && start < 0) start = i;
    if (!member && start >= 0) {
      runs.push([start, i - 1]);
      start = -1;
    }
  }
  if (start >= 0) runs.push([start, within.length - 1]);
  if (runs.length === 0) return 'false';
  const parts = runs.map(([first, last]) => {
    const low = first > 0;
    const high = last < within.length - 1;
    if (low && high && within[first] === within[last]) return `version === ${within[first]}`;
    const bounds: string[] = [];
    if (low) bounds.push(`version >= ${within[first]}`);
    if (high) bounds.push(`version <= ${within[last]}`);
    return bounds.length === 0 ? 'true' : bounds.join(' && ');
  });
  if (parts.length === 1) return parts[0];
  return parts.map((part) => (part.includes('&&') ? `(${part})` : part)).join(' || ');
}

class Code {
  #lines: string[] = [];
  #depth = 0;

  line(text = ''): void {
    this.#lines.push(text === '' ? '' : '  '.repeat(this.#depth) + text);
  }

  indented(body: () => void): void {
    this.#depth++;
    body();
    this.#depth--;
  }

  block(open: string, body: () => void, close = '}'): void {
    this.line(open);
    this.indented(body);
    this.line(close);
  }

  lines(): readonly string[] {
    return this.#lines;
  }

  /** Appends another fragment's lines, indented at the current depth. */
  append(other: Code): void {
    for (const line of other.lines()) this.line(line);
  }

  toString(): string {
    return `${this.#lines.join('\n')}\n`;
  }
}

interface VersionCase {
  versions: readonly number[];
  emit: (versions: readonly number[]) => void;
}

/** Emits an if / else-if / else chain choosing, per version, the first case that lists it. */
function emitCases(code: Code, within: readonly number[], cases: readonly VersionCase[]): void {
  let remaining = within;
  let opened = false;
  for (const versionCase of cases) {
    const versions = versionCase.versions.filter((version) => remaining.includes(version));
    if (versions.length === 0) continue;
    const test = condition(versions, remaining);
    if (test === 'true') {
      if (!opened) {
        versionCase.emit(versions);
        return;
      }
      code.line('} else {');
      code.indented(() => versionCase.emit(versions));
      code.line('}');
      return;
    }
    code.line(`${opened ? '} else if' : 'if'} (${test}) {`);
    code.indented(() => versionCase.emit(versions));
    opened = true;
    remaining = remaining.filter((version) => !versions.includes(version));
  }
  if (opened) code.line('}');
}

function splitBy(versions: readonly number[], range: VersionRange): [number[], number[]] {
  return [versions.filter((v) => inRange(range, v)), versions.filter((v) => !inRange(range, v))];
}

/** Whether the wire encoding depends on flexibility (compact lengths) and on nullability. */
function encodingDependsOn(type: TypeRef): { flexible: boolean; nullable: boolean } {
  if (type.kind === 'array') return { flexible: true, nullable: true };
  if (type.kind === 'struct') return { flexible: false, nullable: true };
  const variable = type.name === 'string' || type.name === 'bytes' || type.name === 'records';
  return { flexible: variable, nullable: variable };
}

/** Splits `versions` by the field's flexible and nullable versions where that changes the encoding. */
function emitByEncoding(
  code: Code,
  field: FieldModel,
  versions: readonly number[],
  leaf: (flexible: boolean, nullable: boolean) => void,
): void {
  const depends = encodingDependsOn(field.type);
  const byNullable = (subset: readonly number[], flexible: boolean) => {
    if (!depends.nullable) {
      leaf(flexible, false);
      return;
    }
    const [nullable, notNullable] = splitBy(subset, field.nullable);
    emitCases(code, subset, [
      { versions: nullable, emit: () => leaf(flexible, true) },
      { versions: notNullable, emit: () => leaf(flexible, false) },
    ]);
  };
  if (!depends.flexible) {
    byNullable(versions, false);
    return;
  }
  const [flexible, classic] = splitBy(versions, field.flexible);
  emitCases(code, versions, [
    { versions: flexible, emit: (subset) => byNullable(subset, true) },
    { versions: classic, emit: (subset) => byNullable(subset, false) },
  ]);
}

// ---------------------------------------------------------------------------------------------------------------------
// Decoders

function readExpr(type: Primitive, flexible: boolean, nullable: boolean): string {
  const fixed = FIXED_READ[type];
  if (fixed !== undefined) return `reader.read${fixed}()`;
  const kind = type === 'string' ? 'String' : 'Bytes';
  return `reader.read${flexible ? 'Compact' : ''}${nullable ? 'Nullable' : ''}${kind}()`;
}

function elementReadExpr(element: TypeRef, flexible: boolean): string {
  if (element.kind === 'struct') return `decode${element.struct.tsName}(reader, version)`;
  if (element.kind === 'primitive') return readExpr(element.name, flexible, false);
  throw new Error('nested arrays are not supported');
}

function emitRead(code: Code, message: MessageModel, field: FieldModel, versions: readonly number[]): void {
  const target = field.local;
  const type = field.type;
  emitByEncoding(code, field, versions, (flexible, nullable) => {
    if (type.kind === 'primitive') {
      code.line(`${target} = ${readExpr(type.name, flexible, nullable)};`);
    } else if (type.kind === 'struct') {
      const decode = `decode${type.struct.tsName}(reader, version)`;
      // Kafka marks a nullable struct with a leading int8: -1 for null, 1 for present.
      code.line(`${target} = ${nullable ? `reader.readInt8() < 0 ? null : ${decode}` : decode};`);
    } else {
      const length = `_${field.local}Length`;
      const elements = `_${field.local}`;
      code.line(`const ${length} = reader.read${flexible ? 'Compact' : ''}ArrayLength();`);
      const fill = () => {
        code.line(`const ${elements}: ${tsType(type.element)}[] = [];`);
        code.line(
          `for (let _i = 0; _i < ${length}; _i++) ${elements}.push(${elementReadExpr(type.element, flexible)});`,
        );
        code.line(`${target} = ${elements};`);
      };
      if (nullable) {
        code.block(`if (${length} < 0) {`, () => code.line(`${target} = null;`), '} else {');
        code.indented(fill);
        code.line('}');
      } else {
        code.line(
          `if (${length} < 0) throw new MalformedFrameError('${message.spec.name}.${field.name} is null but not nullable');`,
        );
        fill();
      }
    }
  });
}

function presentVersions(context: readonly number[], field: FieldModel): { regular: number[]; tagged: number[] } {
  const present = context.filter((v) => inRange(field.versions, v));
  return {
    regular: present.filter((v) => !inRange(field.tagged, v)),
    tagged: present.filter((v) => inRange(field.tagged, v)),
  };
}

function taggedFieldsOf(struct: StructModel, context: readonly number[]): FieldModel[] {
  return struct.fields
    .filter((field) => presentVersions(context, field).tagged.length > 0)
    .sort((a, b) => (a.tag as number) - (b.tag as number));
}

function emitDecoder(code: Code, message: MessageModel, struct: StructModel): void {
  const context = [...struct.context].sort((a, b) => a - b);
  const name = struct.tsName;
  code.line(`/** Reads a ${name} of the given version${struct.isRoot ? '' : ' (nested)'}. */`);
  code.block(
    `${struct.isRoot ? 'export ' : ''}function decode${name}(reader: Reader, version: number): ${name} {`,
    () => {
      for (const field of struct.fields) {
        const { regular } = presentVersions(context, field);
        const always = context.length > 0 && regular.length === context.length;
        const read = new Code();
        emitCases(read, context, [{ versions: regular, emit: (versions) => emitRead(read, message, field, versions) }]);
        const lines = read.lines();
        const assignment = `${field.local} = `;
        if (always && lines.length === 1 && lines[0].startsWith(assignment)) {
          code.line(`const ${field.local}: ${field.tsType} = ${lines[0].slice(assignment.length)}`);
          continue;
        }
        code.line(
          always
            ? `let ${field.local}: ${field.tsType};`
            : `let ${field.local}: ${field.tsType} = ${field.defaultExpr};`,
        );
        code.append(read);
      }
      const flexible = context.filter((v) => inRange(message.flexible, v));
      const tagged = taggedFieldsOf(struct, context);
      emitCases(code, context, [
        {
          versions: flexible,
          emit: (versions) => {
            if (tagged.length === 0) {
              code.line('reader.readTaggedFields();');
              return;
            }
            // KIP-482 tagged fields: a count, then per field its tag, data size and data; unknown tags are skipped.
            code.line('const _taggedCount = reader.readUVarInt();');
            code.block('for (let _t = 0; _t < _taggedCount; _t++) {', () => {
              code.line('const _tag = reader.readUVarInt();');
              code.line('const _size = reader.readUVarInt();');
              code.block('switch (_tag) {', () => {
                for (const field of tagged) {
                  const taggedIn = presentVersions(versions, field).tagged;
                  code.block(`case ${field.tag}: {`, () => {
                    emitCases(code, versions, [
                      { versions: taggedIn, emit: (subset) => emitRead(code, message, field, subset) },
                      {
                        versions: versions.filter((v) => !taggedIn.includes(v)),
                        emit: () => code.line('reader.skip(_size);'),
                      },
                    ]);
                    code.line('break;');
                  });
                }
                code.line('default:');
                code.line('  reader.skip(_size);');
              });
            });
          },
        },
      ]);
      code.line('return {');
      code.indented(() => {
        for (const field of struct.fields) {
          code.line(field.local === field.prop ? `${field.prop},` : `${field.prop}: ${field.local},`);
        }
      });
      code.line('};');
    },
  );
  code.line();
}

// ---------------------------------------------------------------------------------------------------------------------
// Encoders

function writeCall(type: Primitive, flexible: boolean, nullable: boolean): string {
  const fixed = FIXED_READ[type];
  if (fixed !== undefined) return `writer.write${fixed}`;
  const kind = type === 'string' ? 'String' : 'Bytes';
  return `writer.write${flexible ? 'Compact' : ''}${nullable ? 'Nullable' : ''}${kind}`;
}

function elementWrite(element: TypeRef, flexible: boolean, value: string): string {
  if (element.kind === 'struct') return `encode${element.struct.tsName}(writer, version, ${value});`;
  if (element.kind === 'primitive') return `${writeCall(element.name, flexible, false)}(${value});`;
  throw new Error('nested arrays are not supported');
}

function emitWrite(
  code: Code,
  message: MessageModel,
  field: FieldModel,
  value: string,
  versions: readonly number[],
): void {
  const type = field.type;
  const typeAllowsNull = field.tsType.endsWith(' | null');
  const rejectNull = () => {
    if (!typeAllowsNull) return;
    code.line(
      `if (${value} === null) throw new UnencodableMessageError(\`${message.spec.name}.${field.name} is null but not nullable in version \${version}\`);`,
    );
  };
  emitByEncoding(code, field, versions, (flexible, nullable) => {
    if (type.kind === 'primitive') {
      if (!nullable) rejectNull();
      code.line(`${writeCall(type.name, flexible, nullable)}(${value});`);
    } else if (type.kind === 'struct') {
      const encode = `encode${type.struct.tsName}(writer, version, ${value});`;
      if (nullable) {
        code.block(`if (${value} === null) {`, () => code.line('writer.writeInt8(-1);'), '} else {');
        code.indented(() => {
          code.line('writer.writeInt8(1);');
          code.line(encode);
        });
        code.line('}');
      } else {
        rejectNull();
        code.line(encode);
      }
    } else {
      const lengthCall = `writer.write${flexible ? 'Compact' : ''}ArrayLength`;
      const elements = () => {
        code.line(`${lengthCall}(${value}.length);`);
        code.line(
          `for (let _i = 0; _i < ${value}.length; _i++) ${elementWrite(type.element, flexible, `${value}[_i]`)}`,
        );
      };
      if (nullable) {
        code.block(`if (${value} === null) {`, () => code.line(`${lengthCall}(-1);`), '} else {');
        code.indented(elements);
        code.line('}');
      } else {
        rejectNull();
        elements();
      }
    }
  });
}

function valueOrDefault(field: FieldModel): string {
  const value = `message.${field.prop}`;
  if (field.tsType.endsWith(' | null')) return `${value} === undefined ? ${field.defaultExpr} : ${value}`;
  return `${value} ?? ${field.defaultExpr}`;
}

function emitEncoder(code: Code, message: MessageModel, struct: StructModel): void {
  const context = [...struct.context].sort((a, b) => a - b);
  const name = struct.tsName;
  code.line(`/** Writes a ${name} in the given version; fields left undefined are written as their defaults. */`);
  code.block(
    `${struct.isRoot ? 'export ' : ''}function encode${name}(writer: Writer, version: number, message: ${name}): void {`,
    () => {
      for (const field of struct.fields) {
        const { regular, tagged } = presentVersions(context, field);
        const absent = context.filter((v) => !regular.includes(v) && !tagged.includes(v));
        const cases: VersionCase[] = [
          {
            versions: regular,
            emit: (versions) => {
              code.line(`const ${field.local} = ${valueOrDefault(field)};`);
              emitWrite(code, message, field, field.local, versions);
            },
          },
        ];
        if (!field.ignorable) {
          // Kafka refuses to silently drop a non-ignorable field the requested version cannot carry.
          const value = `message.${field.prop}`;
          cases.push({
            versions: absent,
            emit: () =>
              code.block(`if (${value} !== undefined && ${nonDefaultExpr(field, value)}) {`, () =>
                code.line(
                  `throw new UnencodableMessageError(\`${message.spec.name}.${field.name} has a non-default value but version \${version} lacks it\`);`,
                ),
              ),
          });
        }
        emitCases(code, context, cases);
      }
      const flexible = context.filter((v) => inRange(message.flexible, v));
      const taggedFields = taggedFieldsOf(struct, context);
      emitCases(code, context, [
        {
          versions: flexible,
          emit: (versions) => {
            if (taggedFields.length === 0) {
              code.line('writer.writeEmptyTaggedFields();');
              return;
            }
            // A tagged field is written only when it differs from its default (KIP-482).
            code.line('let _taggedCount = 0;');
            for (const field of taggedFields) {
              const taggedIn = presentVersions(versions, field).tagged;
              const test = condition(taggedIn, versions);
              const value = `message.${field.prop}`;
              const guard = `${test === 'true' ? '' : `${test} && `}${value} !== undefined && ${nonDefaultExpr(field, value)}`;
              code.line(`const _${field.local}Tagged = ${guard};`);
              code.line(`if (_${field.local}Tagged) _taggedCount++;`);
            }
            code.line('writer.writeUVarInt(_taggedCount);');
            for (const field of taggedFields) {
              const taggedIn = presentVersions(versions, field).tagged;
              code.block(`if (_${field.local}Tagged) {`, () => {
                code.line(`writer.writeUVarInt(${field.tag});`);
                code.line('const _mark = writer.startUVarIntSized();');
                code.line(`const ${field.local} = message.${field.prop} as ${field.tsType};`);
                emitWrite(code, message, field, field.local, taggedIn);
                code.line('writer.finishUVarIntSized(_mark);');
              });
            }
          },
        },
      ]);
    },
  );
  code.line();
}

// ---------------------------------------------------------------------------------------------------------------------
// Types and helpers

function fieldDoc(field: FieldModel): string {
  const notes = [`versions ${describeRange(field.versions)}`];
  if (!isEmpty(field.nullable)) notes.push(`nullable ${describeRange(field.nullable)}`);
  if (!isEmpty(field.tagged)) notes.push(`tagged ${describeRange(field.tagged)} as tag ${field.tag}`);
  if (field.defaultExpr !== '') notes.push(`default ${field.defaultExpr}`);
  const about = field.about === undefined ? '' : `${doc(field.about.trim())} `;
  return `/** ${about}(${notes.join('; ')}) */`;
}

function emitInterface(code: Code, struct: StructModel): void {
  code.block(`export interface ${struct.tsName} {`, () => {
    for (const field of struct.fields) {
      code.line(fieldDoc(field));
      code.line(`${field.prop}${field.optional ? '?' : ''}: ${field.tsType};`);
    }
  });
  code.line();
}

function emitDefaultFactory(code: Code, struct: StructModel): void {
  code.block(`function default${struct.tsName}(): ${struct.tsName} {`, () => {
    code.line('return {');
    code.indented(() => {
      for (const field of struct.fields) code.line(`${field.prop}: ${field.defaultExpr},`);
    });
    code.line('};');
  });
  code.line();
}

function emitIsDefault(code: Code, struct: StructModel): void {
  code.block(`function isDefault${struct.tsName}(message: ${struct.tsName}): boolean {`, () => {
    if (struct.fields.length === 0) {
      code.line('return true;');
      return;
    }
    code.line('return (');
    code.indented(() => {
      struct.fields.forEach((field, index) => {
        const value = `message.${field.prop}`;
        const last = index === struct.fields.length - 1;
        code.line(`(${value} === undefined || ${isDefaultExpr(field, value)})${last ? '' : ' &&'}`);
      });
    });
    code.line(');');
  });
  code.line();
}

/** The interfaces, codecs and helpers of one message. */
function messageCode(spec: MessageSpec): string {
  const message = buildModel(spec);
  const code = new Code();
  code.line(`// ${spec.name}: versions ${spec.validVersions}, flexible ${spec.flexibleVersions}.`);
  code.line();
  for (const struct of message.structs) emitInterface(code, struct);
  for (const struct of message.structs) {
    emitDecoder(code, message, struct);
    emitEncoder(code, message, struct);
  }
  let text = code.toString();
  // Default factories and isDefault checks, for the structs the code above (or an earlier helper) refers to.
  const emitted = new Set<string>();
  for (let grew = true; grew;) {
    grew = false;
    for (const struct of message.structs) {
      for (const kind of ['default', 'isDefault']) {
        const name = `${kind}${struct.tsName}`;
        if (emitted.has(name) || !text.includes(`${name}(`)) continue;
        const helper = new Code();
        if (kind === 'default') emitDefaultFactory(helper, struct);
        else emitIsDefault(helper, struct);
        text += helper.toString();
        emitted.add(name);
        grew = true;
      }
    }
  }
  return text;
}

function fileHeader(sources: string): string {
  return [
    `// Generated by packages/broker/scripts/generate-protocol.ts from Apache Kafka's ${sources}`,
    '// (../shared/kafka-protocol/message). Do not edit: regenerate with',
    '//   node_modules/.bin/node packages/broker/scripts/generate-protocol.ts',
    '',
  ].join('\n');
}

function imports(body: string): string {
  const lines: string[] = [];
  const defaults = ['EMPTY_BYTES', 'ZERO_UUID'].filter((name) => body.includes(name));
  if (defaults.length > 0) lines.push(`import { ${defaults.join(', ')} } from '../codec-defaults.ts';`);
  const errors = ['MalformedFrameError', 'UnencodableMessageError'].filter((name) => body.includes(name));
  if (errors.length > 0) lines.push(`import { ${errors.join(', ')} } from '../codec-errors.ts';`);
  lines.push("import type { Reader } from '../reader.ts';");
  lines.push("import type { Writer } from '../writer.ts';");
  return `${lines.join('\n')}\n`;
}

/** A codec file for one or more messages (an API's request and response, or a header or data message). */
export function generateCodecFile(specs: readonly MessageSpec[]): string {
  const body = specs.map(messageCode).join('\n');
  return `${fileHeader(specs.map((spec) => `${spec.name}.json`).join(' and '))}${imports(body)}\n${body.trimEnd()}\n`;
}

export interface ApiSpecs {
  name: string;
  request: MessageSpec;
  response: MessageSpec;
}

/** The shape both codec files of an API share, checked so the descriptor can describe the API with one range. */
function apiVersions(api: ApiSpecs): { min: number; max: number; firstFlexible: number } {
  const { request, response } = api;
  if (request.validVersions !== response.validVersions || request.flexibleVersions !== response.flexibleVersions) {
    throw new Error(`${api.name}: request and response disagree on versions`);
  }
  const valid = parseVersionRange(request.validVersions);
  const flexible = parseVersionRange(request.flexibleVersions);
  return { min: valid.min, max: valid.max, firstFlexible: isEmpty(flexible) ? Number.POSITIVE_INFINITY : flexible.min };
}

/** index.ts: the descriptor of every generated API, by API key. */
export function generateIndex(apis: readonly ApiSpecs[], apiVersionsKey: number): string {
  const sorted = [...apis].sort((a, b) => (a.request.apiKey as number) - (b.request.apiKey as number));
  const code = new Code();
  for (const api of sorted) {
    const names = [
      `decode${api.name}Request`,
      `encode${api.name}Request`,
      `decode${api.name}Response`,
      `encode${api.name}Response`,
    ];
    code.line(`import { ${names.join(', ')} } from './${kebabCase(api.name)}.ts';`);
  }
  code.line("import type { Reader } from '../reader.ts';");
  code.line("import type { Writer } from '../writer.ts';");
  code.line();
  code.line('/** What the broker needs to know to read requests and write responses of one API. */');
  code.block('export interface ApiDescriptor {', () => {
    code.line('apiKey: number;');
    code.line("/** The API's name, e.g. 'Produce'. */");
    code.line('name: string;');
    code.line('minVersion: number;');
    code.line('maxVersion: number;');
    code.line('/** The first version using flexible encodings and tagged fields (KIP-482), Infinity if none. */');
    code.line('firstFlexibleVersion: number;');
    code.line('requestHeaderVersion(version: number): number;');
    code.line('responseHeaderVersion(version: number): number;');
    code.line('decodeRequest(reader: Reader, version: number): unknown;');
    code.line('encodeRequest(writer: Writer, version: number, message: unknown): void;');
    code.line('decodeResponse(reader: Reader, version: number): unknown;');
    code.line('encodeResponse(writer: Writer, version: number, message: unknown): void;');
  });
  code.line();
  code.line('// Flexible versions use request header v2 and response header v1 (KIP-482), older ones v1 and v0.');
  code.line('// ApiVersions answers with response header v0 in every version, so that a client that does not yet know');
  code.line("// the broker's versions can always read the reply (KIP-511).");
  code.block(
    'export const apiDescriptors: ReadonlyMap<number, ApiDescriptor> = new Map<number, ApiDescriptor>([',
    () => {
      for (const api of sorted) {
        const versions = apiVersions(api);
        const first = versions.firstFlexible === Number.POSITIVE_INFINITY ? 'Infinity' : String(versions.firstFlexible);
        const flexibleTest =
          versions.firstFlexible === Number.POSITIVE_INFINITY ? null : `version >= ${versions.firstFlexible}`;
        const requestHeader = flexibleTest === null ? '() => 1' : `(version) => (${flexibleTest} ? 2 : 1)`;
        const responseHeader =
          flexibleTest === null || api.request.apiKey === apiVersionsKey
            ? '() => 0'
            : `(version) => (${flexibleTest} ? 1 : 0)`;
        code.block(
          `[`,
          () => {
            code.line(`${api.request.apiKey},`);
            code.block(
              '{',
              () => {
                code.line(`apiKey: ${api.request.apiKey},`);
                code.line(`name: '${api.name}',`);
                code.line(`minVersion: ${versions.min},`);
                code.line(`maxVersion: ${versions.max},`);
                code.line(`firstFlexibleVersion: ${first},`);
                code.line(`requestHeaderVersion: ${requestHeader},`);
                code.line(`responseHeaderVersion: ${responseHeader},`);
                code.line(`decodeRequest: decode${api.name}Request,`);
                code.line(`encodeRequest: encode${api.name}Request,`);
                code.line(`decodeResponse: decode${api.name}Response,`);
                code.line(`encodeResponse: encode${api.name}Response,`);
              },
              '},',
            );
          },
          '],',
        );
      }
    },
    ']);',
  );
  return `${fileHeader('<Api>Request.json and <Api>Response.json')}${code.toString()}`;
}
