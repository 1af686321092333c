import { defineRedisScript, redisCall } from '@orderflow/platform';
import type { Redis } from 'ioredis';
import type { AnalyticsStore, Counts, ProductStats, TopProductsBy, Totals } from './analytics-store.ts';
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

/**
 * The whole of counting an event, in one round trip: claiming the id and every increment happen in this script, so
 * an event is counted entirely or not at all, and exactly once however many consumers apply it at the same time.
 * Scores in the rankings are negated so that ZRANGE lists the highest first with ties by product id ascending,
 * the same order SQLite's ORDER BY gives.
 */
const COUNT = `
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then return 0 end
local inWindow = ARGV[8] ~= '0'
local fields = {'orders', 'quantity', 'confirmed', 'rejected'}
for i, field in ipairs(fields) do
  local by = tonumber(ARGV[i + 2])
  if by ~= 0 then
    redis.call('HINCRBY', KEYS[2], field, by)
    redis.call('HINCRBY', KEYS[3], field, by)
    if inWindow then redis.call('HINCRBY', KEYS[4], field, by) end
  end
end
if ARGV[7] ~= '' then redis.call('HINCRBY', KEYS[2], 'rejected:' .. ARGV[7], 1) end
if ARGV[3] ~= '0' then
  redis.call('ZINCRBY', KEYS[5], -tonumber(ARGV[4]), ARGV[2])
  redis.call('ZINCRBY', KEYS[6], -tonumber(ARGV[3]), ARGV[2])
end
if inWindow then redis.call('PEXPIREAT', KEYS[4], ARGV[8]) end
redis.call('HSET', KEYS[2], 'updatedAt', ARGV[9])
return 1
`;

export interface RedisAnalyticsStoreOptions {
  readonly redis: Redis;
  /** Ends with `:`; `orderflow:analytics-service:` in production, unique per test. */
  readonly keyPrefix: string;
  /** How long a counted event id is remembered. */
  readonly dedupeRetentionMs: number;
}

export function createRedisAnalyticsStore(options: RedisAnalyticsStoreOptions): AnalyticsStore {
  const { redis, dedupeRetentionMs } = options;
  const prefix = `${options.keyPrefix}{analytics}:`;
  const count = defineRedisScript(redis, 'analyticsCount', 6, COUNT);
  const totalsKey = `${prefix}totals`;
  const rankingKey = (by: TopProductsBy) => `${prefix}top:${by}`;
  const productKey = (productId: string) => `${prefix}product:${productId}`;
  const minuteKey = (minute: number) => `${prefix}minute:${minute}`;

  return {
    async count(event, now) {
      const minute = bucketMinute(event.time, now);
      const { orders, quantity, confirmed, rejected } = event.increments;
      const counted = await redisCall(() =>
        count(
          [
            `${prefix}seen:${event.id}`,
            totalsKey,
            productKey(event.productId),
            // Declared even when the event is outside the window, so the script always names the same keys.
            minuteKey(minute ?? 0),
            rankingKey('quantity'),
            rankingKey('orders'),
          ],
          [
            dedupeRetentionMs,
            event.productId,
            orders,
            quantity,
            confirmed,
            rejected,
            event.rejectionReason ?? '',
            minute === undefined ? 0 : bucketExpiresAt(minute),
            now,
          ],
        ),
      );
      return counted === 1;
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
      const replies = await redisCall(() => execPipeline(pipeline));
      return productIds.map((productId, i) => ({ productId, ...countsOf(replies[i] as (string | null)[]) }));
    },
    async minuteBuckets(firstMinute, count) {
      const pipeline = redis.pipeline();
      for (let i = 0; i < count; i++) pipeline.hmget(minuteKey(firstMinute + i), ...COUNTER_FIELDS);
      const replies = await redisCall(() => execPipeline(pipeline));
      const found = new Map<number, Counts>();
      replies.forEach((reply, i) => {
        const values = reply as (string | null)[];
        if (values.some((value) => value !== null)) found.set(firstMinute + i, countsOf(values));
      });
      return denseBuckets(firstMinute, count, found);
    },
    async ping() {
      await redisCall(() => redis.ping());
    },
  };
}

function countsOf(values: readonly (string | null | undefined)[]): Counts {
  const [orders, quantity, confirmed, rejected] = values.map((value) => Number(value ?? 0));
  return { orders: orders!, quantity: quantity!, confirmed: confirmed!, rejected: rejected! };
}

/** Runs a pipeline, rejecting with the first command's error instead of returning errors among the replies. */
async function execPipeline(pipeline: ReturnType<Redis['pipeline']>): Promise<unknown[]> {
  const results = (await pipeline.exec()) ?? [];
  return results.map(([error, reply]) => {
    if (error) throw error;
    return reply;
  });
}
