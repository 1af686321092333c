import { type Config, defineConfig, serviceConfigSpec } from '@orderflow/platform';

export const SERVICE_NAME = 'order-service';

const MINUTE = 60_000;

/** Every variable order-service reads; main.ts loads it, everything else receives the result. */
export const orderServiceConfigSpec = defineConfig({
  ...serviceConfigSpec(SERVICE_NAME, 8081),
  /** How long a completed request is remembered, so a retry with the same key replays its response. */
  IDEMPOTENCY_TTL: { type: 'duration', default: '24h', min: MINUTE },
  /** How long POST /orders waits for the broker's acknowledgement before answering 503. */
  KAFKA_PUBLISH_TIMEOUT: { type: 'duration', default: '10s', min: 100, max: 10 * MINUTE },
  /**
   * How long a publish waits for others to share its produce request when none is in flight. 0 (the default) makes
   * the linger adaptive: an order that finds nothing in flight goes at once (with the publishes of the same turn of
   * the event loop), and under load batches form by themselves while the previous request is out, one in flight at a
   * time; a fixed wait only added its length to every lone order's latency (the latency floor at low concurrency).
   */
  KAFKA_LINGER: { type: 'duration', default: '0ms', max: 1000 },
  /** How long the last known availability of a product is trusted for the out-of-stock fast fail. */
  AVAILABILITY_TTL: { type: 'duration', default: '1h', min: 1000 },
  /** How long orders are kept for GET /orders and /orders/:id. */
  ORDER_RETENTION: { type: 'duration', default: '30d', min: 60 * MINUTE },
});

export type OrderServiceConfig = Config<typeof orderServiceConfigSpec>;

/** The settings buildApp and the stores use; tests pass these without going through the environment. */
export type OrderSettings = Pick<
  OrderServiceConfig,
  'IDEMPOTENCY_TTL' | 'KAFKA_PUBLISH_TIMEOUT' | 'AVAILABILITY_TTL' | 'ORDER_RETENTION'
>;
