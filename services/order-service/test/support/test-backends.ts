import { redisKeys, serviceTestBackends, type TestStore as AnyTestStore } from '@orderflow/platform/testing';
import type { Clock } from '@orderflow/platform';
import { orderStoreBackends } from '../../src/order-store-backends.ts';
import type { OrderStore, OrderStoreSettings } from '../../src/order-store.ts';
import { ORDER_HASH_TAG } from '../../src/redis-order-store.ts';

type Settings = OrderStoreSettings & { readonly now?: Clock };
export type TestStore = AnyTestStore<OrderStore, Settings>;

export const testSettings: OrderStoreSettings = { availabilityTtlMs: 3_600_000, orderRetentionMs: 30 * 86_400_000 };

export const { backends, sqliteBackend, redisBackend } = serviceTestBackends<OrderStore, Settings>({
  service: 'order-service',
  factories: orderStoreBackends,
  settings: testSettings,
});

/** Idempotency records currently held, by scoped key; for asserting nothing is left behind. */
export async function requestKeys(data: TestStore): Promise<string[]> {
  const { platform } = await data.open();
  const { backend } = platform;
  if (backend.kind === 'sqlite') {
    const rows = backend.db
      .prepare('SELECT key FROM order_requests WHERE expires_at > ? ORDER BY key')
      .all(Date.now()) as { key: string }[];
    return rows.map((row) => row.key);
  }
  const requests = `${backend.keyPrefix}${ORDER_HASH_TAG}:request:`;
  return (await redisKeys(`${requests}*`)).map((key) => key.slice(requests.length)).sort();
}
