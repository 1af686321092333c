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

/** The platform's own errors: the HTTP base and the shared stores raise these. */
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
});

export type PlatformErrorCode = keyof typeof PlatformErrors.definitions;
