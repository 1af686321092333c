/**
 * Thrown by a handler for a record that can never be processed (undecodable, fails its schema, refers to something
 * that cannot exist): the consumer runner dead-letters it at once instead of retrying, then moves on.
 */
export class PoisonEventError extends Error {
  readonly code: string;
  readonly retriable = false;

  constructor(code: string, reason: string, options?: { cause?: unknown }) {
    super(reason, options);
    this.name = 'PoisonEventError';
    this.code = code;
  }
}

/**
 * Runs a decoder, turning whatever it throws into a PoisonEventError with `code`, so that
 * `const event = decodeOrPoison('EVENT_INVALID', () => decode(record.value))` sends an undecodable record to the DLQ.
 */
export function decodeOrPoison<T>(code: string, decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    if (error instanceof PoisonEventError) {
      throw error;
    }
    const reason = error instanceof Error ? error.message : String(error);
    throw new PoisonEventError(code, reason, { cause: error });
  }
}
