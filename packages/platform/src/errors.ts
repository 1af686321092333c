// The error registry pattern: each package declares its error codes once, with the HTTP status and whether a retry
// can succeed. Callers branch on `error.code`, never on messages or classes, and the HTTP layer renders any AppError
// as an RFC 9457 problem without knowing which package defined it.

export interface ErrorDefinition {
  readonly status: number;
  /** Short, stable summary of the problem type; `detail` carries the occurrence-specific text. */
  readonly title: string;
  /** True when the same request may succeed later (a dependency was down), false when it never will. */
  readonly retriable: boolean;
}

/** One invalid field of a request, as listed in a validation problem's `errors`. */
export interface FieldError {
  /** Which part of the request: body, querystring, params or headers. */
  readonly location: string;
  /** JSON Pointer into that part, e.g. `/quantity`; empty for the part as a whole. */
  readonly pointer: string;
  readonly message: string;
}

export interface AppErrorOptions {
  readonly cause?: unknown;
  /** Sets the HTTP Retry-After header when rendered. */
  readonly retryAfterSeconds?: number;
  readonly errors?: readonly FieldError[];
}

export class AppError<C extends string = string> extends Error {
  readonly code: C;
  readonly status: number;
  readonly title: string;
  readonly retriable: boolean;
  readonly detail: string;
  readonly retryAfterSeconds: number | undefined;
  readonly errors: readonly FieldError[] | undefined;
  /** The registry entry this error was made from; lets a registry recognise its own errors. */
  readonly definition: ErrorDefinition;

  constructor(code: C, definition: ErrorDefinition, detail?: string, options: AppErrorOptions = {}) {
    super(detail ?? definition.title, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = definition.status;
    this.title = definition.title;
    this.retriable = definition.retriable;
    this.detail = detail ?? definition.title;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.errors = options.errors;
    this.definition = definition;
  }
}

export interface ErrorRegistry<C extends string> {
  readonly definitions: Readonly<Record<C, ErrorDefinition>>;
  /** Builds the error for `code`; `detail` explains this occurrence to the client. */
  create(code: C, detail?: string, options?: AppErrorOptions): AppError<C>;
  /** True when `error` is an AppError of this registry (and of `code`, if given). */
  is<K extends C>(error: unknown, code?: K): error is AppError<K>;
}

export function defineErrors<const C extends string>(definitions: Record<C, ErrorDefinition>): ErrorRegistry<C> {
  const frozen = Object.freeze({ ...definitions });
  return Object.freeze({
    definitions: frozen,
    create(code: C, detail?: string, options?: AppErrorOptions): AppError<C> {
      return new AppError(code, frozen[code], detail, options);
    },
    is<K extends C>(error: unknown, code?: K): error is AppError<K> {
      return (
        isAppError(error) &&
        Object.hasOwn(frozen, error.code) &&
        frozen[error.code as C] === error.definition &&
        (code === undefined || error.code === code)
      );
    },
  });
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/**
 * The platform's own errors, its one registry: the HTTP base, the configuration loader, the shared stores and the
 * Kafka producer and consumer runner raise these (the HTTP layer renders a failed publish as a 503 without knowing
 * about Kafka).
 */
export const PlatformErrors = defineErrors({
  BAD_REQUEST: { status: 400, title: 'Bad request', retriable: false },
  MALFORMED_JSON: { status: 400, title: 'Request body is not valid JSON', retriable: false },
  MALFORMED_URL: { status: 400, title: 'Request URL is not valid', retriable: false },
  VALIDATION_FAILED: { status: 400, title: 'Request validation failed', retriable: false },
  NOT_FOUND: { status: 404, title: 'Not found', retriable: false },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Request body too large', retriable: false },
  URI_TOO_LONG: { status: 414, title: 'Request URL too long', retriable: false },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type', retriable: false },
  HEADERS_TOO_LARGE: { status: 431, title: 'Request headers too large', retriable: false },
  INTERNAL: { status: 500, title: 'Internal server error', retriable: true },
  NOT_READY: { status: 503, title: 'Service not ready', retriable: true },
  STORE_UNAVAILABLE: { status: 503, title: 'Store unavailable', retriable: true },
  KAFKA_UNAVAILABLE: { status: 503, title: 'Kafka unavailable', retriable: true },
  /** An environment variable is missing or invalid (ConfigError): the process cannot start until it is fixed. */
  CONFIG_INVALID: { status: 500, title: 'Invalid configuration', retriable: false },
  /**
   * A record read back from a store is not in the form the service writes: reading it again gives the same bytes,
   * so a consumer dead-letters the event at once instead of retrying it.
   */
  STORED_RECORD_CORRUPT: { status: 500, title: 'Stored record is corrupt', retriable: false },
  /** The broker did not acknowledge in time, could not be reached, or the producer was closed: retry later. */
  KAFKA_PUBLISH_FAILED: { status: 503, title: 'Event could not be published', retriable: true },
  /**
   * The record was sent but not acknowledged in time: it may still be written. The error's `outcome` settles when
   * the broker finally answers, so a caller guarding against duplicates can wait for it instead of retrying blindly.
   */
  KAFKA_PUBLISH_OUTCOME_UNKNOWN: { status: 503, title: 'Event publication not confirmed yet', retriable: true },
  /** The broker refuses this record for good (too large, invalid, not authorised): retrying cannot help. */
  KAFKA_RECORD_REJECTED: { status: 500, title: 'Event rejected by Kafka', retriable: false },
  KAFKA_CONSUMER_START_FAILED: { status: 503, title: 'Kafka consumer could not join its group', retriable: true },
  KAFKA_CONFIG_INVALID: { status: 500, title: 'Invalid Kafka configuration', retriable: false },
  /**
   * The broker does not offer an API version the client needs (older than Apache Kafka 3.5): retrying against the
   * same broker cannot help, upgrading it does. Readiness reports it until the broker is replaced.
   */
  KAFKA_BROKER_UNSUPPORTED: { status: 503, title: 'Kafka broker version not supported', retriable: false },
  /** A group's offsets cannot be moved while it has members (Kafka accepts it only for an Empty or Dead group). */
  KAFKA_GROUP_NOT_EMPTY: { status: 409, title: 'Consumer group has active members', retriable: true },
  /** No or a malformed Authorization header on an admin endpoint. */
  ADMIN_TOKEN_REQUIRED: { status: 401, title: 'Admin token required', retriable: false },
  ADMIN_TOKEN_INVALID: { status: 403, title: 'Admin token rejected', retriable: false },
  /** ADMIN_TOKEN is not configured, so the service's admin endpoints are off. */
  ADMIN_API_DISABLED: { status: 403, title: 'Admin API disabled', retriable: false },
});

export type PlatformErrorCode = keyof typeof PlatformErrors.definitions;
