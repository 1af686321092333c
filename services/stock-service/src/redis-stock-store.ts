import {
  defineRedisBatchScript,
  defineRedisScript,
  pingRedis,
  redisCall,
  type RedisStoreConnection,
} from '@orderflow/platform';

import { parseReservationRecord } from './reservation-record.ts';
import type { ReservationRequest, ReservationResult, StockStore, StockStoreSettings } from './stock-store.ts';

// Levels live in one hash (product -> units), the highest fencing token accepted per product in another, and each
// order's decision in its own string key with an expiry. The `{stock}` hash tag puts every key in one Redis Cluster
// slot, which is what lets one script touch a level and a reservation record atomically there too.

/**
 * The hot path: one round trip for a whole batch of orders. KEYS[1] holds the levels and KEYS[i + 1] order i's record;
 * ARGV[1] is the decision time, ARGV[2] the retention, then each order's product and quantity. Orders are applied in
 * the order given, each as on its own: a recorded decision wins over everything (redelivery, or the same order earlier
 * in the batch); otherwise check, decrement and record happen here, where nothing can run between the check and the
 * decrement. Returns a replayed flag and the record for every order.
 */
const RESERVE = `
local results = {}
for i = 1, #KEYS - 1 do
  local key = KEYS[i + 1]
  local product = ARGV[2 * i + 1]
  local quantity = ARGV[2 * i + 2]
  local recorded = redis.call('GET', key)
  if recorded then
    results[2 * i - 1] = 1
    results[2 * i] = recorded
  else
    local level = redis.call('HGET', KEYS[1], product)
    local decision
    if not level then
      decision = 'unknown-product|0'
    elseif tonumber(level) >= tonumber(quantity) then
      decision = 'reserved|' .. redis.call('HINCRBY', KEYS[1], product, -tonumber(quantity))
    else
      decision = 'insufficient|' .. level
    end
    local record = decision .. '|' .. ARGV[1] .. '|' .. quantity .. '|' .. product
    redis.call('SET', key, record, 'PX', ARGV[2])
    results[2 * i - 1] = 0
    results[2 * i] = record
  end
end
return results
`;

// The marker and the levels change together, so two instances starting at once seed exactly once between them.
const SEED = `
if not redis.call('SET', KEYS[2], ARGV[1], 'NX') then return -1 end
local created = 0
for i = 2, #ARGV, 2 do
  created = created + redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1])
end
return created
`;

const SET = `
if tonumber(ARGV[3]) < tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0') then return {'fenced'} end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
local created = redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return {'set', created}
`;

const RESTOCK = `
if tonumber(ARGV[3]) < tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0') then return {'fenced'} end
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return {'unknown-product'} end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
return {'restocked', redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[2])}
`;

export type RedisStockStoreOptions = RedisStoreConnection & StockStoreSettings;

export function createRedisStockStore(options: RedisStockStoreOptions): StockStore {
  const { redis, keyPrefix, locks, reservationRetentionMs } = options;
  const reserve = defineRedisBatchScript(redis, 'stockReserveBatch', RESERVE);
  const seed = defineRedisScript(redis, 'stockSeed', 2, SEED);
  const set = defineRedisScript(redis, 'stockSet', 2, SET);
  const restock = defineRedisScript(redis, 'stockRestock', 2, RESTOCK);
  const levelsKey = `${keyPrefix}{stock}:levels`;
  const fencesKey = `${keyPrefix}{stock}:fences`;
  const seededKey = `${keyPrefix}{stock}:seeded`;
  const reservationKey = (orderId: string) => `${keyPrefix}{stock}:reservation:${orderId}`;

  async function reserveMany(requests: readonly ReservationRequest[], now: number): Promise<ReservationResult[]> {
    if (requests.length === 0) return [];
    const keys = [levelsKey];
    const args: (string | number)[] = [now, reservationRetentionMs];
    for (const { orderId, productId, quantity } of requests) {
      keys.push(reservationKey(orderId));
      args.push(productId, quantity);
    }
    const replies = (await redisCall(() => reserve(keys, args))) as (number | string)[];
    return requests.map(({ orderId }, i) => ({
      record: parseReservationRecord(orderId, replies[2 * i + 1] as string),
      replayed: replies[2 * i] === 1,
    }));
  }

  return {
    locks,
    reserveMany,
    async reserve(request, now) {
      return (await reserveMany([request], now))[0]!;
    },
    async seed(levels) {
      const args: (string | number)[] = [new Date().toISOString()];
      for (const [productId, available] of levels) args.push(productId, available);
      const created = (await redisCall(() => seed([levelsKey, seededKey], args))) as number;
      return created < 0 ? { seeded: false, created: 0 } : { seeded: true, created };
    },
    async list() {
      const levels = await redisCall(() => redis.hgetall(levelsKey));
      return Object.entries(levels)
        .map(([productId, available]) => ({ productId, available: Number(available) }))
        .sort((a, b) => (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0));
    },
    async get(productId) {
      const level = await redisCall(() => redis.hget(levelsKey, productId));
      return level === null ? undefined : Number(level);
    },
    async set(productId, available, fencingToken) {
      const [outcome, created] = (await redisCall(() =>
        set([levelsKey, fencesKey], [productId, available, fencingToken]),
      )) as [string, number?];
      return outcome === 'fenced' ? { outcome } : { outcome: 'set', available, created: created === 1 };
    },
    async restock(productId, quantity, fencingToken) {
      const [outcome, available] = (await redisCall(() =>
        restock([levelsKey, fencesKey], [productId, quantity, fencingToken]),
      )) as [string, number?];
      if (outcome === 'restocked') return { outcome, available: available! };
      return { outcome: outcome as 'fenced' | 'unknown-product' };
    },
    async ping() {
      await pingRedis(redis);
    },
  };
}
