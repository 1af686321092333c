import {
  createRedisScriptBatch,
  defineRedisScript,
  parseStoredJson,
  pingRedis,
  type RedisScript,
  type RedisStoreConnection,
  redisCall,
  redisPipeline,
} from '@orderflow/platform';

import { type AcceptedOrder, type Order, type OrderHistoryEntry, type OrderStatus, OrderStatuses } from './order.ts';
import type { Admission, OrderStore, OrderStoreSettings, StoredResponse } from './order-store.ts';

// Layout under the prefix, every key in the `{orders}` hash tag (one Redis Cluster slot; see docs/redis-keys.md):
//   request:<scoped key>   hash  state (in-flight | completed), hash (request hash), response (JSON)
//   order:<id>             hash  data (accepted fields, JSON) or provisional (what a stock event told), status,
//                                reason, createdAt, createdAtMs, updatedAt
//   order-history:<id>     list  history entries (JSON), in order
//   orders, orders:<STATUS> zsets of order ids scored by creation time, for listing newest first
//   availability:<product> hash  available, atMs (time of the event that reported it)
// Every step of a request and every event is one atomic script call. The claims (admit) and the records of accepted
// orders (accept) of all requests in flight go to Redis together as one batch command (platform's
// createRedisScriptBatch), so under load an accepted order costs well under one round trip of its own. The scripts
// touch keys of several entities and the shared indexes, so all keys share the one slot the hash tag picks, on a
// cluster too.

/** Before it the keys had no hash tag (`orderflow:order-service:order:<id>`); data under those names is not read. */
export const ORDER_HASH_TAG = '{orders}';

// KEYS: availability, then the request keys. ARGV: request hash, claim ttl.
const ADMIT = `
for i = 2, #KEYS do
  local state, hash, response = unpack(redis.call('HMGET', KEYS[i], 'state', 'hash', 'response'))
  if state then
    if hash ~= ARGV[1] then return {'mismatch', i - 1} end
    if state == 'completed' then return {'replay', i - 1, response} end
    return {'in-flight', i - 1}
  end
end
if redis.call('HGET', KEYS[1], 'available') == '0' then return {'out-of-stock'} end
for i = 2, #KEYS do
  redis.call('HSET', KEYS[i], 'state', 'in-flight', 'hash', ARGV[1])
  redis.call('PEXPIRE', KEYS[i], ARGV[2])
end
return {'admitted'}
`;

// KEYS: order, history, orders, orders:PENDING, orders:CONFIRMED, orders:REJECTED, then the request keys.
// ARGV: order id, data JSON, createdAt, createdAtMs, PENDING entry JSON, request hash, response JSON, response ttl,
// retention, index horizon (exclusive min score kept, or '' to leave the indexes untrimmed this time).
const ACCEPT = `
local data, status, provisional = unpack(redis.call('HMGET', KEYS[1], 'data', 'status', 'provisional'))
if not data then
  if not status then
    status = 'PENDING'
    redis.call('HSET', KEYS[1], 'data', ARGV[2], 'createdAt', ARGV[3], 'createdAtMs', ARGV[4], 'status', status,
      'updatedAt', ARGV[3])
  else
    redis.call('HSET', KEYS[1], 'data', ARGV[2], 'createdAt', ARGV[3], 'createdAtMs', ARGV[4])
    if provisional then redis.call('HDEL', KEYS[1], 'provisional') end
  end
  redis.call('LPUSH', KEYS[2], ARGV[5])
  redis.call('PEXPIRE', KEYS[1], ARGV[9])
  redis.call('PEXPIRE', KEYS[2], ARGV[9])
  local byStatus = {PENDING = KEYS[4], CONFIRMED = KEYS[5], REJECTED = KEYS[6]}
  redis.call('ZADD', KEYS[3], ARGV[4], ARGV[1])
  redis.call('ZADD', byStatus[status], ARGV[4], ARGV[1])
  if ARGV[10] ~= '' then
    for i = 3, 6 do redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', ARGV[10]) end
  end
end
for i = 7, #KEYS do
  local state, hash = unpack(redis.call('HMGET', KEYS[i], 'state', 'hash'))
  if state == 'in-flight' and hash == ARGV[6] then
    redis.call('HSET', KEYS[i], 'state', 'completed', 'response', ARGV[7])
    redis.call('PEXPIRE', KEYS[i], ARGV[8])
  end
end
return 1
`;

// KEYS: the request keys. ARGV: request hash.
const RELEASE = `
for i = 1, #KEYS do
  local state, hash = unpack(redis.call('HMGET', KEYS[i], 'state', 'hash'))
  if state == 'in-flight' and hash == ARGV[1] then redis.call('DEL', KEYS[i]) end
end
return 1
`;

// Availability only moves to a report at least as recent as the one it holds: stock events about one product come
// from several partitions, so they can arrive out of order.
const RECORD_AVAILABILITY_LUA = `
local function recordAvailability(key, available, atMs, ttl)
  local known = redis.call('HGET', key, 'atMs')
  if not known or tonumber(known) <= tonumber(atMs) then
    redis.call('HSET', key, 'available', available, 'atMs', atMs)
    redis.call('PEXPIRE', key, ttl)
  end
end
`;

// KEYS: order, history, orders, orders:PENDING, orders:CONFIRMED, orders:REJECTED, availability.
// ARGV: order id, status, reason or '', at, atMs, entry JSON, provisional JSON, available or '', availability ttl,
// retention.
const RECORD_STOCK_OUTCOME = `${RECORD_AVAILABILITY_LUA}
local current = redis.call('HGET', KEYS[1], 'status')
local changed = 0
if not current or current == 'PENDING' then
  local score = redis.call('HGET', KEYS[1], 'createdAtMs')
  if not current then
    score = ARGV[5]
    redis.call('HSET', KEYS[1], 'provisional', ARGV[7], 'createdAt', ARGV[4], 'createdAtMs', score)
    redis.call('ZADD', KEYS[3], score, ARGV[1])
  end
  redis.call('ZREM', KEYS[4], ARGV[1])
  if ARGV[2] == 'CONFIRMED' then
    redis.call('ZADD', KEYS[5], score, ARGV[1])
  else
    redis.call('ZADD', KEYS[6], score, ARGV[1])
  end
  redis.call('HSET', KEYS[1], 'status', ARGV[2], 'updatedAt', ARGV[4])
  if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'reason', ARGV[3]) end
  redis.call('RPUSH', KEYS[2], ARGV[6])
  redis.call('PEXPIRE', KEYS[1], ARGV[10])
  redis.call('PEXPIRE', KEYS[2], ARGV[10])
  changed = 1
end
if ARGV[8] ~= '' then recordAvailability(KEYS[7], ARGV[8], ARGV[5], ARGV[9]) end
return changed
`;

// KEYS: availability. ARGV: available, atMs, ttl.
const RECORD_AVAILABILITY = `${RECORD_AVAILABILITY_LUA}
recordAvailability(KEYS[1], ARGV[1], ARGV[2], ARGV[3])
return 1
`;

// Order hashes expire by themselves; the indexes are trimmed of expired ids now and then, not on every accept.
const INDEX_TRIM_INTERVAL_MS = 60_000;

/** POST /orders claims at most two keys (Idempotency-Key and orderId); a script's key count is fixed, so one each. */
const MAX_REQUEST_KEYS = 2;

type ScriptReply = [string, number?, string?];

export type RedisOrderStoreOptions = Pick<RedisStoreConnection, 'redis' | 'keyPrefix'> & OrderStoreSettings;

export function createRedisOrderStore(options: RedisOrderStoreOptions): OrderStore {
  const { redis, keyPrefix, availabilityTtlMs, orderRetentionMs } = options;
  const variants = (name: string, fixedKeys: number, lua: string): RedisScript[] =>
    Array.from({ length: MAX_REQUEST_KEYS + 1 }, (_, n) =>
      defineRedisScript(redis, `orderService${name}${n}`, fixedKeys + n, lua),
    );
  const batch = createRedisScriptBatch(redis, 'orderServiceBatch', { admit: ADMIT, accept: ACCEPT });
  const releaseScripts = variants('Release', 0, RELEASE);
  const recordStockOutcome = defineRedisScript(redis, 'orderServiceRecordStockOutcome', 7, RECORD_STOCK_OUTCOME);
  const recordAvailability = defineRedisScript(redis, 'orderServiceRecordAvailability', 1, RECORD_AVAILABILITY);

  const slotPrefix = `${keyPrefix}${ORDER_HASH_TAG}:`;
  const requestKey = (key: string) => `${slotPrefix}request:${key}`;
  const orderKey = (orderId: string) => `${slotPrefix}order:${orderId}`;
  const historyKey = (orderId: string) => `${slotPrefix}order-history:${orderId}`;
  const availabilityKey = (productId: string) => `${slotPrefix}availability:${productId}`;
  const indexKey = (status?: OrderStatus) =>
    status === undefined ? `${slotPrefix}orders` : `${slotPrefix}orders:${status}`;
  let indexTrimmedAt = Number.NEGATIVE_INFINITY;
  const orderKeys = (orderId: string) => [
    orderKey(orderId),
    historyKey(orderId),
    indexKey(),
    ...OrderStatuses.map((status) => indexKey(status)),
  ];

  function script(scripts: RedisScript[], keys: readonly string[]): RedisScript {
    checkKeyCount(keys);
    return scripts[keys.length]!;
  }

  function checkKeyCount(keys: readonly string[]): void {
    if (keys.length > MAX_REQUEST_KEYS) {
      throw new RangeError(`at most ${MAX_REQUEST_KEYS} idempotency keys, got ${keys.length}`);
    }
  }

  async function read(orderIds: readonly string[]): Promise<Order[]> {
    if (orderIds.length === 0) return [];
    const pipeline = redis.pipeline();
    for (const orderId of orderIds) pipeline.hgetall(orderKey(orderId)).lrange(historyKey(orderId), 0, -1);
    const replies = await redisPipeline(pipeline);
    const orders: Order[] = [];
    for (let i = 0; i < orderIds.length; i++) {
      const order = toOrder(replies[2 * i] as Record<string, string>, replies[2 * i + 1] as string[]);
      if (order !== undefined) orders.push(order);
    }
    return orders;
  }

  return {
    async admit(request) {
      const { keys, requestHash, productId, claimTtlMs } = request;
      checkKeyCount(keys);
      const reply = (await batch({
        step: 'admit',
        keys: [availabilityKey(productId), ...keys.map(requestKey)],
        args: [requestHash, claimTtlMs],
      })) as ScriptReply;
      const [status, index, response] = reply;
      const key = index === undefined ? '' : keys[index - 1]!;
      switch (status) {
        case 'replay':
          return { status, key, response: parseStoredJson<StoredResponse>(response, `response for ${key}`) };
        case 'mismatch':
        case 'in-flight':
          return { status, key };
        default:
          return { status } as Admission;
      }
    },

    async accept(order, completion) {
      const { keys, requestHash, response, ttlMs } = completion;
      const createdAtMs = Date.parse(order.createdAt);
      const now = Date.now();
      const trim = now - indexTrimmedAt >= INDEX_TRIM_INTERVAL_MS;
      if (trim) indexTrimmedAt = now;
      const horizon = trim ? `(${now - orderRetentionMs}` : '';
      checkKeyCount(keys);
      await batch({
        step: 'accept',
        keys: [...orderKeys(order.orderId), ...keys.map(requestKey)],
        args: [
          order.orderId,
          JSON.stringify(acceptedFields(order)),
          order.createdAt,
          createdAtMs,
          JSON.stringify({ status: 'PENDING', at: order.createdAt } satisfies OrderHistoryEntry),
          requestHash,
          JSON.stringify(response),
          ttlMs,
          orderRetentionMs,
          horizon,
        ],
      });
    },

    async release(keys, requestHash) {
      if (keys.length === 0) return;
      const run = script(releaseScripts, keys);
      await redisCall(() => run(keys.map(requestKey), [requestHash]));
    },

    async recordStockOutcome(outcome) {
      const entry: OrderHistoryEntry = {
        status: outcome.status,
        at: outcome.at,
        ...(outcome.reason === undefined ? {} : { reason: outcome.reason }),
        eventId: outcome.eventId,
      };
      const provisional = { orderId: outcome.orderId, productId: outcome.productId, quantity: outcome.quantity };
      const changed = await redisCall(() =>
        recordStockOutcome(
          [...orderKeys(outcome.orderId), availabilityKey(outcome.productId)],
          [
            outcome.orderId,
            outcome.status,
            outcome.reason ?? '',
            outcome.at,
            Date.parse(outcome.at),
            JSON.stringify(entry),
            JSON.stringify(provisional),
            outcome.available ?? '',
            availabilityTtlMs,
            orderRetentionMs,
          ],
        ),
      );
      return changed === 1;
    },

    async recordAvailability({ productId, available, at }) {
      await redisCall(() =>
        recordAvailability([availabilityKey(productId)], [available, Date.parse(at), availabilityTtlMs]),
      );
    },

    async availability(productId) {
      const value = await redisCall(() => redis.hget(availabilityKey(productId), 'available'));
      return value === null ? undefined : Number(value);
    },

    async get(orderId) {
      const [order] = await read([orderId]);
      return order;
    },

    async list({ status, limit }) {
      const ids = await redisCall(() => redis.zrevrange(indexKey(status), 0, limit - 1));
      return read(ids);
    },

    async ping() {
      await pingRedis(redis);
    },
  };
}

function acceptedFields(order: AcceptedOrder): AcceptedOrder {
  return {
    orderId: order.orderId,
    productId: order.productId,
    quantity: order.quantity,
    ...(order.customerId === undefined ? {} : { customerId: order.customerId }),
    createdAt: order.createdAt,
  };
}

function toOrder(fields: Record<string, string>, history: readonly string[]): Order | undefined {
  const status = fields.status as OrderStatus | undefined;
  const data = fields.data ?? fields.provisional;
  if (status === undefined || data === undefined) return undefined;
  const known = parseStoredJson<Partial<AcceptedOrder> & Pick<AcceptedOrder, 'orderId' | 'productId' | 'quantity'>>(
    data,
    'order',
  );
  return {
    orderId: known.orderId,
    productId: known.productId,
    quantity: known.quantity,
    ...(known.customerId === undefined ? {} : { customerId: known.customerId }),
    status,
    ...(fields.reason === undefined ? {} : { reason: fields.reason }),
    createdAt: fields.createdAt!,
    updatedAt: fields.updatedAt!,
    history: history.map((entry) => parseStoredJson<OrderHistoryEntry>(entry, `history of order ${known.orderId}`)),
  };
}
