import type { Counter, Gauge, Histogram } from 'prom-client';

// Shaped like the matching members of the platform's Metrics (src/metrics.ts), so a service passes its Metrics
// object as is, while tests build instruments on a registry of their own.

export interface ProducerMetrics {
  /** Seconds from publish() to the broker's acknowledgement, by topic; failed publishes are not observed. */
  readonly publishDuration: Histogram<'topic'>;
}

export interface ConsumerMetrics {
  /** Records handled successfully. */
  readonly eventsConsumed: Counter<'topic' | 'group'>;
  /** Handler calls that failed and were retried. */
  readonly eventsRetried: Counter<'topic' | 'group'>;
  /** Records sent to the dead-letter topic, by the error code that put them there. */
  readonly eventsDeadLettered: Counter<'topic' | 'group' | 'code'>;
  /** High watermark minus committed offset, for each partition assigned to this member. */
  readonly consumerLag: Gauge<'topic' | 'group' | 'partition'>;
}
