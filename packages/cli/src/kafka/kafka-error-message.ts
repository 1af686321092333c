// @platformatic/kafka reports a failure as AggregateErrors nested several deep ("Listing topics failed." >
// "metadata failed 3 times." > "Cannot connect to any broker." > "Connection to … failed." > ECONNREFUSED). A person
// needs the outermost message (what failed) and the innermost distinct reasons (why), on one line.

export function kafkaErrorMessage(error: unknown): string {
  const top = messageOf(error);
  const reasons = [...new Set(leafReasons(error, 0))].filter((reason) => reason !== top);
  return reasons.length === 0 ? top : `${top.replace(/\.$/, '')}: ${reasons.join('; ')}`;
}

const MAX_DEPTH = 8;

function leafReasons(error: unknown, depth: number): string[] {
  if (depth > MAX_DEPTH || typeof error !== 'object' || error === null) return [];
  const nested = (error as { errors?: unknown }).errors;
  if (Array.isArray(nested) && nested.length > 0) return nested.flatMap((inner) => leafReasons(inner, depth + 1));
  const cause = (error as { cause?: unknown }).cause;
  const own = messageOf(error);
  if (cause !== undefined) {
    const inner = leafReasons(cause, depth + 1);
    return inner.length === 0 ? [own] : inner.map((reason) => `${own.replace(/\.$/, '')} (${reason})`);
  }
  return [own];
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
