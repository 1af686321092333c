// The seam between the platform's HTTP server, producer and consumer and the OpenTelemetry SDK. The platform code
// asks activeTracing() per request, publish and record; it is undefined unless startTelemetry() loaded the SDK, so
// without an OTLP endpoint nothing of OpenTelemetry is imported. One per process, as the SDK's own global tracer
// provider is: every component of a service then traces without being handed anything.

/** A span in progress, known by the `traceparent` that names it as the parent of what it causes. */
export interface TracedSpan {
  /** `00-<trace id>-<this span's id>-<flags>`: pass it on so the next span (here or downstream) is its child. */
  readonly traceparent: string;
  setAttribute(name: string, value: string | number | boolean): void;
  /** Marks the span as failed with the error's code (or name) and message. */
  fail(error: unknown): void;
  end(): void;
}

export interface ServerSpanInput {
  readonly method: string;
  /** The route pattern (`/orders/:orderId`), or undefined for a request no route matched. */
  readonly route: string | undefined;
  readonly path: string;
  /** The request's `traceparent` header: the caller's span, if it has one. */
  readonly parent: string | undefined;
}

export interface ProducerSpanInput {
  readonly topic: string;
  readonly key: string | Buffer | undefined;
  /** The traceparent of the work that causes this record. */
  readonly parent: string | Buffer | undefined;
}

export interface ConsumerSpanInput {
  readonly topic: string;
  readonly groupId: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly key: Buffer | undefined;
  /** The record's `traceparent` header: the producer's span. */
  readonly parent: string | Buffer | undefined;
}

export interface Tracing {
  serverSpan(input: ServerSpanInput): TracedSpan;
  producerSpan(input: ProducerSpanInput): TracedSpan;
  consumerSpan(input: ConsumerSpanInput): TracedSpan;
  /** Exports what is still buffered and stops. */
  shutdown(): Promise<void>;
}

let active: Tracing | undefined;

export function activeTracing(): Tracing | undefined {
  return active;
}

export function setActiveTracing(tracing: Tracing | undefined): void {
  active = tracing;
}
