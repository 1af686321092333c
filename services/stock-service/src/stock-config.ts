import { adminTokenConfigSpec, type Config, defineConfig, serviceConfigSpec } from '@orderflow/platform';

export const SERVICE_NAME = 'stock-service';

/** Everything stock-service reads from the environment; only main.ts loads it. */
export const stockConfigSpec = defineConfig({
  ...serviceConfigSpec(SERVICE_NAME, 8082),
  /** ADMIN_TOKEN guards the admin endpoints (PUT stock, restock); unset disables them. */
  ...adminTokenConfigSpec,
  /** Initial catalogue as `A001=100,A002=50`, applied on the first start only. */
  STOCK_SEED: { type: 'string', optional: true },
  /** Path of a JSON object `{ "A001": 100 }`, the alternative to STOCK_SEED. */
  STOCK_SEED_FILE: { type: 'string', optional: true },
  /**
   * How long an order's reservation decision is kept to answer redeliveries. It must outlast the order-topic's
   * retention: an event redelivered after its decision expired would be decided (and decremented) again.
   */
  STOCK_RESERVATION_RETENTION: { type: 'duration', default: '7d', min: 60_000 },
});

export type StockConfig = Config<typeof stockConfigSpec>;
