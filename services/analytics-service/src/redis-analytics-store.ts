import {
  defineRedisBatchScript,
  pingRedis,
  redisCall,
  redisPipeline,
  type RedisStoreConnection,
} from '@orderflow/platform';
import { Cluster } from 'ioredis';
import type {
  AnalyticsStore,
  AnalyticsStoreSettings,
  Counts,
  ProductStats,
  TopProductsBy,
  Totals,
} from './analytics-store.ts';
import type { CountedEvent } from './counted-event.ts';
import { bucketExpiresAt, bucketMinute, denseBuckets } from './minute-window.ts';

// Keys, all under the `{analytics}` hash tag so that they share one Redis Cluster slot and one script may touch them
// together:
//   seen:<event id>      string with an expiry: the event was counted
//   totals               hash: orders, quantity, confirmed, rejected, rejected:<reason>, updatedAt
//   product:<product id> hash: orders, quantity, confirmed, rejected
//   minute:<minute>      hash: orders, quantity, confirmed, rejected; expires when it leaves the 24 h window
//   top:quantity         sorted set of products by units ordered, negated
//   top:orders           sorted set of products by orders, negated

const COUNTER_FIELDS = ['orders', 'quantity', 'confirmed', 'rejected'] as const;
// Keys asked for per SCAN page by clear().
const CLEAR_PAGE = 1000;

/**
 * The whole of counting a batch of events, in one round trip. KEYS[1..3] are the totals and the two rankings, then
 * each event i has its seen, product and minute keys at KEYS[3i + 1..3i + 3]; ARGV[1] is the dedupe retention, ARGV[2]
 * the time of counting, then seven arguments per event: product, the four increments, the rejection reason ('' for
 * none) and when its minute bucket expires ('0' when it is outside the window). Claiming an id and adding its
 * increments happen in this one script, so an event is counted entirely or not at all, and exactly once however many
 * consumers apply it at the same time; events are claimed in the order given, so a second copy in the batch is not
 * counted. The increments of the events claimed are summed per key first and written once per key. Scores in the
 * rankings are negated so that ZRANGE lists the highest first with ties by product id ascending, the same order
 * SQLite's ORDER BY gives. Returns 1 (counted) or 0 (counted before) per event.
 */
const COUNT = `
local fields = {'orders', 'quantity', 'confirmed', 'rejected'}
local sums, keys, expiries = {}, {}, {}
local ranked, products = {}, {}
local reasons, reasonNames = {}, {}
local results = {}
local function add(key, base)
  local sum = sums[key]
  if not sum then
    sum = {0, 0, 0, 0}
    sums[key] = sum
    keys[#keys + 1] = key
  end
  for f = 1, 4 do sum[f] = sum[f] + tonumber(ARGV[base + f]) end
end
for i = 1, (#KEYS - 3) / 3 do
  local base = 3 + 7 * (i - 1)
  if redis.call('SET', KEYS[3 * i + 1], '1', 'NX', 'PX', ARGV[1]) then
    results[i] = 1
    add(KEYS[1], base)
    add(KEYS[3 * i + 2], base)
    local expiresAt = ARGV[base + 6]
    if expiresAt ~= '0' then
      add(KEYS[3 * i + 3], base)
      expiries[KEYS[3 * i + 3]] = expiresAt
    end
    local reason = ARGV[base + 5]
    if reason ~= '' then
      if not reasons[reason] then
        reasons[reason] = 0
        reasonNames[#reasonNames + 1] = reason
      end
      reasons[reason] = reasons[reason] + 1
    end
    local orders = tonumber(ARGV[base + 1])
    if orders ~= 0 then
      local product = ARGV[base]
      local rank = ranked[product]
      if not rank then
        rank = {0, 0}
        ranked[product] = rank
        products[#products + 1] = product
      end
      rank[1] = rank[1] + orders
      rank[2] = rank[2] + tonumber(ARGV[base + 2])
    end
  else
    results[i] = 0
  end
end
for _, key in ipairs(keys) do
  local sum = sums[key]
  for f = 1, 4 do
    if sum[f] ~= 0 then redis.call('HINCRBY', key, fields[f], sum[f]) end
  end
  if expiries[key] then redis.call('PEXPIREAT', key, expiries[key]) end
end
for _, reason in ipairs(reasonNames) do redis.call('HINCRBY', KEYS[1], 'rejected:' .. reason, reasons[reason]) end
for _, product in ipairs(products) do
  redis.call('ZINCRBY', KEYS[2], -ranked[product][2], product)
  redis.call('ZINCRBY', KEYS[3], -ranked[product][1], product)
end
if #keys > 0 then redis.call('HSET', KEYS[1], 'updatedAt', ARGV[2]) end
return results
`;

export type RedisAnalyticsStoreOptions = Pick<RedisStoreConnection, 'redis' | 'keyPrefix'> & AnalyticsStoreSettings;

export function createRedisAnalyticsStore(options: RedisAnalyticsStoreOptions): AnalyticsStore {
  const { redis, dedupeRetentionMs } = options;
  const prefix = `${options.keyPrefix}{analytics}:`;
  const count = defineRedisBatchScript(redis, 'analyticsCountBatch', COUNT);
  const totalsKey = `${prefix}totals`;
  const rankingKey = (by: TopProductsBy) => `${prefix}top:${by}`;
  const productKey = (productId: string) => `${prefix}product:${productId}`;
  const minuteKey = (minute: number) => `${prefix}minute:${minute}`;

  async function countMany(events: readonly CountedEvent[], now: number): Promise<boolean[]> {
    if (events.length === 0) return [];
    const keys = [totalsKey, rankingKey('quantity'), rankingKey('orders')];
    const args: (string | number)[] = [dedupeRetentionMs, now];
    for (const event of events) {
      const minute = bucketMinute(event.time, now);
      const { orders, quantity, confirmed, rejected } = event.increments;
      // The minute key is declared even when the event is outside the window, so every event names three keys.
      keys.push(`${prefix}seen:${event.id}`, productKey(event.productId), minuteKey(minute ?? 0));
      args.push(
        event.productId,
        orders,
        quantity,
        confirmed,
        rejected,
        event.rejectionReason ?? '',
        minute === undefined ? 0 : bucketExpiresAt(minute),
      );
    }
    const counted = (await redisCall(() => count(keys, args))) as number[];
    return counted.map((flag) => flag === 1);
  }

  return {
    countMany,
    async count(event, now) {
      return (await countMany([event], now))[0]!;
    },
    async totals(): Promise<Totals> {
      const hash = await redisCall(() => redis.hgetall(totalsKey));
      const rejectedByReason: Record<string, number> = {};
      for (const [field, value] of Object.entries(hash)) {
        if (field.startsWith('rejected:')) rejectedByReason[field.slice('rejected:'.length)] = Number(value);
      }
      return {
        ...countsOf([hash.orders, hash.quantity, hash.confirmed, hash.rejected]),
        rejectedByReason,
        updatedAt: hash.updatedAt === undefined ? undefined : Number(hash.updatedAt),
      };
    },
    async product(productId) {
      const values = await redisCall(() => redis.hmget(productKey(productId), ...COUNTER_FIELDS));
      return values.every((value) => value === null) ? undefined : { productId, ...countsOf(values) };
    },
    async topProducts(by, limit): Promise<ProductStats[]> {
      const productIds = await redisCall(() => redis.zrange(rankingKey(by), '0', String(limit - 1)));
      if (productIds.length === 0) return [];
      // The ranking and the counters shown are read in two steps; an event counted in between shows in the counters
      // of this answer and in the ranking of the next.
      const pipeline = redis.pipeline();
      for (const productId of productIds) pipeline.hmget(productKey(productId), ...COUNTER_FIELDS);
      const replies = await redisPipeline(pipeline);
      return productIds.map((productId, i) => ({ productId, ...countsOf(replies[i] as (string | null)[]) }));
    },
    async minuteBuckets(firstMinute, count) {
      const pipeline = redis.pipeline();
      for (let i = 0; i < count; i++) pipeline.hmget(minuteKey(firstMinute + i), ...COUNTER_FIELDS);
      const replies = await redisPipeline(pipeline);
      const found = new Map<number, Counts>();
      replies.forEach((reply, i) => {
        const values = reply as (string | null)[];
        if (values.some((value) => value !== null)) found.set(firstMinute + i, countsOf(values));
      });
      return denseBuckets(firstMinute, count, found);
    },
    async clear() {
      // SCAN, not KEYS: it does not block the server for the whole keyspace. The seen ids are many, so they are
      // unlinked (freed in the background) a page at a time. A cluster scans per node, so every master is asked;
      // the keys share the {analytics} slot, so one of them holds all. The consumer is stopped meanwhile (a
      // rebuild's first step), so nothing is counted while the view is half cleared.
      const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
      for (const node of nodes) {
        let cursor = '0';
        do {
          const [next, keys] = await redisCall(() => node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', CLEAR_PAGE));
          if (keys.length > 0) await redisCall(() => node.unlink(...keys));
          cursor = next;
        } while (cursor !== '0');
      }
    },
    async ping() {
      await pingRedis(redis);
    },
  };
}

function countsOf(values: readonly (string | null | undefined)[]): Counts {
  const [orders, quantity, confirmed, rejected] = values.map((value) => Number(value ?? 0));
  return { orders: orders!, quantity: quantity!, confirmed: confirmed!, rejected: rejected! };
}
