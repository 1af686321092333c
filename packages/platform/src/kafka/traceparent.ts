import { randomBytes } from 'node:crypto';

/** The fields of a W3C Trace Context `traceparent` header (https://www.w3.org/TR/trace-context/#traceparent-header). */
export interface TraceContext {
  readonly version: string;
  readonly traceId: string;
  readonly parentId: string;
  readonly flags: string;
}

const HEX = /^[0-9a-f]+$/;
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_PARENT_ID = '0'.repeat(16);
const SAMPLED = '01';

/**
 * Parses a `traceparent` header, returning undefined for anything the spec says to ignore. Versions above 00 are
 * accepted when their first four fields have the version-00 shape, as the spec requires of parsers.
 */
export function parseTraceparent(header: string | Buffer | undefined | null): TraceContext | undefined {
  if (header === undefined || header === null) {
    return undefined;
  }
  const value = (typeof header === 'string' ? header : header.toString('latin1')).trim();
  if (value.length < 55) {
    return undefined;
  }
  const version = value.slice(0, 2);
  if (!HEX.test(version) || version === 'ff') {
    return undefined;
  }
  if (version === '00' ? value.length !== 55 : value.length > 55 && value[55] !== '-') {
    return undefined;
  }
  if (value[2] !== '-' || value[35] !== '-' || value[52] !== '-') {
    return undefined;
  }
  const traceId = value.slice(3, 35);
  const parentId = value.slice(36, 52);
  const flags = value.slice(53, 55);
  if (!HEX.test(traceId) || !HEX.test(parentId) || !HEX.test(flags)) {
    return undefined;
  }
  if (traceId === ZERO_TRACE_ID || parentId === ZERO_PARENT_ID) {
    return undefined;
  }
  return { version, traceId, parentId, flags };
}

export function formatTraceparent(context: Pick<TraceContext, 'traceId' | 'parentId' | 'flags'>): string {
  return `00-${context.traceId}-${context.parentId}-${context.flags}`;
}

/** Starts a new, sampled trace. */
export function startTraceparent(): string {
  return formatTraceparent({ traceId: randomId(16, ZERO_TRACE_ID), parentId: newParentId(), flags: SAMPLED });
}

/**
 * Returns the `traceparent` of a new span whose parent is `parent`: same trace id and flags, a fresh parent id. A
 * missing or invalid parent starts a new trace, so every record we produce carries a usable header.
 */
export function continueTraceparent(parent?: string | Buffer | null): string {
  const context = parseTraceparent(parent);
  if (!context) {
    return startTraceparent();
  }
  return formatTraceparent({ traceId: context.traceId, parentId: newParentId(), flags: context.flags });
}

export function traceIdOf(traceparent: string | Buffer | undefined | null): string | undefined {
  return parseTraceparent(traceparent)?.traceId;
}

function newParentId(): string {
  return randomId(8, ZERO_PARENT_ID);
}

// Every published record gets a new parent id: one randomBytes call each costs microseconds, one call per pool of
// ids does not. Trace ids need to be unique, not secret, so handing them out of a pool is safe (Node's randomUUID
// pools the same way).
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let poolOffset = 0;

function randomHex(bytes: number): string {
  if (poolOffset + bytes > pool.length) {
    pool = randomBytes(POOL_BYTES);
    poolOffset = 0;
  }
  const hex = pool.toString('hex', poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return hex;
}

function randomId(bytes: number, invalid: string): string {
  let id = randomHex(bytes);
  // All-zero ids are invalid per spec; the odds are negligible but the header must never be rejected downstream.
  while (id === invalid) {
    id = randomHex(bytes);
  }
  return id;
}
