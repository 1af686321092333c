// A wrong command line: the CLI prints one line and exits 2 (the conventional status for usage errors).
export class UsageError extends Error {
  readonly code = 'ERR_USAGE';
}
