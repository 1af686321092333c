// Values the codecs use for absent fields, shared so that equal defaults are the same value everywhere.

/** The all-zero uuid Kafka uses for "no topic id" (Uuid.ZERO_UUID). */
export const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

/** The empty byte string; zero-length, so sharing one instance is safe. */
export const EMPTY_BYTES: Buffer = Buffer.alloc(0);
