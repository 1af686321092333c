// Errors the storage layer throws (as opposed to the Kafka error codes it returns): the data directory is unusable,
// so the broker cannot start or go on. `code` names the condition for callers and logs.
export type StorageErrorCode = 'TOPIC_STORE_CORRUPT' | 'PRODUCER_ID_STORE_CORRUPT';

export class StorageError extends Error {
  readonly code: StorageErrorCode;

  constructor(code: StorageErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StorageError';
    this.code = code;
  }
}
