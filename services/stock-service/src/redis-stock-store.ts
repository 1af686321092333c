import { type DistributedLock, defineRedisScript, redisCall } from '@orderflow/platform';
import type { Redis } from 'ioredis';
import { parseReservationRecord } from './reservation-record.ts';
import type {
  ProductStock,
  ReservationResult,
  RestockResult,
  SeedResult,
  SetStockResult,
  StockStore,
} from './stock-store.ts';

// Levels live in one hash (product -> units), the highest fencing token accepted per product in another, and each
// order's decision in its own string key with an expiry. The `{stock}` hash tag puts every key in one Redis Cluster
// slot, which is what lets one script touch a level and a reservation record atomically there too.

/**
 * The hot path: one round trip per event. A recorded decision wins over everything (redelivery); otherwise check,
 * decrement and record happen in this one script, so nothing can run between the check and the decrement.
 */
const RESERVE = `
local recorded = redis.call('GET', KEYS[2])
if recorded then return {1, recorded} end
local level = redis.call('HGET', KEYS[1], ARGV[1])
local decision
if not level then
  decision = 'unknown-product|0'
elseif tonumber(level) >= tonumber(ARGV[2]) then
  decision = 'reserved|' .. redis.call('HINCRBY', KEYS[1], ARGV[1], -tonumber(ARGV[2]))
else
  decision = 'insufficient|' .. level
end
local record = decision .. '|' .. ARGV[3] .. '|' .. ARGV[2] .. '|' .. ARGV[1]
redis.call('SET', KEYS[2], record, 'PX', ARGV[4])
return {0, record}
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

export interface RedisStockStoreOptions {
  readonly redis: Redis;
  /** Ends with `:`; `orderflow:stock-service:` in production, unique per test. */
  readonly keyPrefix: string;
  readonly locks: DistributedLock;
  /** How long an order's decision is kept for redeliveries. */
  readonly reservationRetentionMs: number;
}

export function createRedisStockStore(options: RedisStockStoreOptions): StockStore {
  const { redis, keyPrefix, locks, reservationRetentionMs } = options;
  const reserve = defineRedisScript(redis, 'stockReserve', 2, RESERVE);
  const seed = defineRedisScript(redis, 'stockSeed', 2, SEED);
  const set = defineRedisScript(redis, 'stockSet', 2, SET);
  const restock = defineRedisScript(redis, 'stockRestock', 2, RESTOCK);
  const levelsKey = `${keyPrefix}{stock}:levels`;
  const fencesKey = `${keyPrefix}{stock}:fences`;
  const seededKey = `${keyPrefix}{stock}:seeded`;
  const reservationKey = (orderId: string) => `${keyPrefix}{stock}:reservation:${orderId}`;

  return {
    locks,
    async reserve(request, now): Promise<ReservationResult> {
      const [replayed, record] = (await redisCall(() =>
        reserve(
          [levelsKey, reservationKey(request.orderId)],
          [request.productId, request.quantity, now, reservationRetentionMs],
        ),
      )) as [number, string];
      return { record: parseReservationRecord(request.orderId, record), replayed: replayed === 1 };
    },
    async seed(levels): Promise<SeedResult> {
      const args: (string | number)[] = [new Date().toISOString()];
      for (const [productId, available] of levels) args.push(productId, available);
      const created = (await redisCall(() => seed([levelsKey, seededKey], args))) as number;
      return created < 0 ? { seeded: false, created: 0 } : { seeded: true, created };
    },
    async list(): Promise<ProductStock[]> {
      const levels = await redisCall(() => redis.hgetall(levelsKey));
      return Object.entries(levels)
        .map(([productId, available]) => ({ productId, available: Number(available) }))
        .sort((a, b) => (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0));
    },
    async get(productId) {
      const level = await redisCall(() => redis.hget(levelsKey, productId));
      return level === null ? undefined : Number(level);
    },
    async set(productId, available, fencingToken): Promise<SetStockResult> {
      const [outcome, created] = (await redisCall(() =>
        set([levelsKey, fencesKey], [productId, available, fencingToken]),
      )) as [string, number?];
      return outcome === 'fenced' ? { outcome } : { outcome: 'set', available, created: created === 1 };
    },
    async restock(productId, quantity, fencingToken): Promise<RestockResult> {
      const [outcome, available] = (await redisCall(() =>
        restock([levelsKey, fencesKey], [productId, quantity, fencingToken]),
      )) as [string, number?];
      if (outcome === 'restocked') return { outcome, available: available! };
      return { outcome: outcome as 'fenced' | 'unknown-product' };
    },
    async ping() {
      await redisCall(() => redis.ping());
    },
  };
}
