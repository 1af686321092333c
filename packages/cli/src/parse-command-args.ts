// util.parseArgs with our error type: unknown flags and missing values become one clear UsageError line.
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { parseDuration } from '@orderflow/platform';
import { UsageError } from './usage-error.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

export function parseCommandArgs<T extends Options>(
  command: string,
  args: readonly string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError(`orderflow ${command}: ${(error as Error).message}`);
  }
}

export function positiveInteger(command: string, flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new UsageError(`orderflow ${command}: --${flag} must be a positive integer, got '${raw}'`);
  }
  return value;
}

/** A duration flag such as `10s`, `500ms`, `2m` (platform's syntax, as the services' variables use), in milliseconds. */
export function positiveDuration(command: string, flag: string, raw: string | undefined, fallbackMs: number): number {
  if (raw === undefined) return fallbackMs;
  const value = parseDuration(raw);
  if (value === undefined || value <= 0) {
    throw new UsageError(`orderflow ${command}: --${flag} must be a duration such as 10s, 500ms or 2m, got '${raw}'`);
  }
  return value;
}
