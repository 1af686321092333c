// Apache Kafka's JSON message definitions (clients/src/main/resources/common/message/*.json), as read by the protocol
// generator and by the protocol tests: the file format, comment stripping and version ranges.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file lives in packages/broker/scripts/). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Where the definitions live: beside the project, never copied into it. */
export const MESSAGE_DIR = resolve(REPO_ROOT, '../shared/kafka-protocol/message');

export interface FieldSpec {
  name: string;
  type: string;
  versions: string;
  nullableVersions?: string;
  taggedVersions?: string;
  /** A number, though a few definitions write it as a string ("0"). */
  tag?: number | string;
  /** Overrides the message's flexible versions for this field ("none": always the classic encoding). */
  flexibleVersions?: string;
  default?: string | number | boolean;
  ignorable?: boolean;
  about?: string;
  fields?: FieldSpec[];
}

export interface StructSpec {
  name: string;
  versions: string;
  fields: FieldSpec[];
}

export interface MessageSpec {
  apiKey?: number;
  type: 'request' | 'response' | 'header' | 'data';
  name: string;
  validVersions: string;
  flexibleVersions: string;
  fields: FieldSpec[];
  commonStructs?: StructSpec[];
}

/** An inclusive version range; `max` is Infinity for "N+", and the range is empty when min > max ("none"). */
export interface VersionRange {
  min: number;
  max: number;
}

export function parseVersionRange(text: string): VersionRange {
  const trimmed = text.trim();
  if (trimmed === 'none') return { min: 1, max: 0 };
  let match = /^(\d+)\+$/.exec(trimmed);
  if (match) return { min: Number(match[1]), max: Number.POSITIVE_INFINITY };
  match = /^(\d+)-(\d+)$/.exec(trimmed);
  if (match) return { min: Number(match[1]), max: Number(match[2]) };
  match = /^(\d+)$/.exec(trimmed);
  if (match) return { min: Number(match[1]), max: Number(match[1]) };
  throw new Error(`invalid version range "${text}"`);
}

export function inRange(range: VersionRange, version: number): boolean {
  return version >= range.min && version <= range.max;
}

/** Every version of a bounded range, in order. */
export function versionsOf(range: VersionRange): number[] {
  if (range.max === Number.POSITIVE_INFINITY) throw new Error('an open version range has no version list');
  const versions: number[] = [];
  for (let version = range.min; version <= range.max; version++) versions.push(version);
  return versions;
}

/** Removes `//` line comments, leaving `//` inside JSON strings alone. */
export function stripJsonComments(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else {
      out += c;
    }
  }
  return out;
}

/** Reads `<MESSAGE_DIR>/<name>.json`, e.g. readMessageSpec('ProduceRequest'). */
export function readMessageSpec(name: string, directory = MESSAGE_DIR): MessageSpec {
  const text = readFileSync(resolve(directory, `${name}.json`), 'utf8');
  return JSON.parse(stripJsonComments(text)) as MessageSpec;
}

/** The field types the Kafka message schemas use that are not structs (or arrays of them). */
export type Primitive =
  'bool' | 'int8' | 'int16' | 'uint16' | 'int32' | 'int64' | 'float64' | 'string' | 'bytes' | 'records' | 'uuid';

export const PRIMITIVES: ReadonlySet<string> = new Set<Primitive>([
  'bool',
  'int8',
  'int16',
  'uint16',
  'int32',
  'int64',
  'float64',
  'string',
  'bytes',
  'records',
  'uuid',
]);
