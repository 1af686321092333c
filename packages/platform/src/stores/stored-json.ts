import { PlatformErrors } from '../errors.ts';

/**
 * Parses JSON a service wrote to its own store. Text that does not parse is STORED_RECORD_CORRUPT (not retriable:
 * reading it again gives the same bytes), so a consumer dead-letters the event at once instead of retrying it; a
 * SyntaxError would count against the retry budget. `what` names the record in the error, e.g. `order o-1`.
 */
export function parseStoredJson<T>(text: string | null | undefined, what: string): T {
  if (text === null || text === undefined) throw corrupt(what, 'nothing stored');
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw corrupt(what, (error as Error).message, error);
  }
}

function corrupt(what: string, reason: string, cause?: unknown) {
  return PlatformErrors.create('STORED_RECORD_CORRUPT', `corrupt stored ${what}: ${reason}`, { cause });
}
