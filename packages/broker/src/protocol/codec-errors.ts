// Errors raised while decoding or encoding Kafka protocol messages. Callers branch on `code`:
// a decode error means the peer sent bytes we cannot make sense of (the connection should be closed),
// an encode error means our own code built a message the requested version cannot carry.

/** A read went past the end of the frame: the frame is shorter than its contents claim. */
export class TruncatedFrameError extends Error {
  readonly code = 'ERR_TRUNCATED_FRAME';
  constructor(needed: number, available: number) {
    super(`frame truncated: needed ${needed} more bytes, ${available} left`);
  }
}

/** The frame's bytes cannot be a valid encoding (an over-long varint, null where the schema forbids it). */
export class MalformedFrameError extends Error {
  readonly code = 'ERR_MALFORMED_FRAME';
}

/**
 * A message cannot be encoded at the requested version: a non-ignorable field holds a non-default value in a version
 * that lacks the field (Kafka's generated code raises UnsupportedVersionException for the same case), or a value does
 * not fit its wire type (null in a non-nullable version, a malformed uuid, a string over 32767 bytes).
 */
export class UnencodableMessageError extends Error {
  readonly code = 'ERR_UNENCODABLE_MESSAGE';
}
