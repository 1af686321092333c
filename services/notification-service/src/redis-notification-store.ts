import type { EventType } from '@orderflow/contracts';
import {
  createRedisScriptBatch,
  defineRedisScript,
  pingRedis,
  redisCall,
  type RedisStoreConnection,
} from '@orderflow/platform';

import type { ChannelName, NewNotification, Notification, NotificationStatus } from './notification.ts';
import type { AttemptStart, ListQuery, NotificationStore, NotificationStoreSettings } from './notification-store.ts';

// Each notification is a hash that expires after the retention. Two sorted sets index them by a sequence number
// (INCR), newest highest: one over all notifications, one per order. The `{notify}` hash tag puts every key in one
// Redis Cluster slot, which is what lets a script touch a notification and its indexes atomically there too.
// The attempts and their outcomes of every delivery in flight go to Redis together as one batch command (the
// platform's createRedisScriptBatch): a batch of events dispatched at once costs one round trip to start all its
// attempts and one to record all their outcomes, not two per event. Each step stays one atomic script call, run in
// call order, so a SENT notification still never goes back to PENDING.

/**
 * Create-or-reattempt in one step, so two redeliveries racing each other cannot both create the notification, and a
 * SENT one can never go back to PENDING. On creation it also drops index entries whose notification expired: looking
 * at the two oldest per creation keeps the index from growing, since nothing expires that was not created before.
 * Those hash keys are built in the script; they share the `{notify}` slot with the declared keys.
 */
const START_ATTEMPT = `
local status = redis.call('HGET', KEYS[1], 'status')
if status == 'SENT' then return {'already-sent', redis.call('HGETALL', KEYS[1])} end
if status then
  redis.call('HSET', KEYS[1], 'status', 'PENDING')
  redis.call('HDEL', KEYS[1], 'failureReason')
  redis.call('HINCRBY', KEYS[1], 'attempts', 1)
  return {'attempt', redis.call('HGETALL', KEYS[1])}
end
local seq = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'eventId', ARGV[2], 'eventType', ARGV[3], 'orderId', ARGV[4],
  'channel', ARGV[5], 'subject', ARGV[6], 'message', ARGV[7], 'status', 'PENDING', 'attempts', 1,
  'createdAt', ARGV[8], 'seq', seq)
redis.call('PEXPIRE', KEYS[1], ARGV[9])
redis.call('ZADD', KEYS[4], seq, ARGV[1])
redis.call('PEXPIRE', KEYS[4], ARGV[9])
for _, oldest in ipairs(redis.call('ZRANGE', KEYS[3], 0, 1)) do
  if redis.call('EXISTS', ARGV[10] .. oldest) == 0 then redis.call('ZREM', KEYS[3], oldest) end
end
redis.call('ZADD', KEYS[3], seq, ARGV[1])
return {'attempt', redis.call('HGETALL', KEYS[1])}
`;

const FINISH_ATTEMPT = `
if redis.call('HGET', KEYS[1], 'status') ~= 'PENDING' then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[1], ARGV[2], ARGV[3])
return 1
`;

/** Newest first, skipping index entries whose notification expired, until `limit` are found or the index ends. */
const LIST = `
local limit = tonumber(ARGV[1])
local found = {}
local start = 0
while #found < limit do
  local ids = redis.call('ZREVRANGE', KEYS[1], start, start + limit - 1)
  if #ids == 0 then break end
  for _, id in ipairs(ids) do
    local fields = redis.call('HGETALL', ARGV[2] .. id)
    if #fields > 0 and #found < limit then found[#found + 1] = fields end
  end
  start = start + limit
end
return found
`;

export type RedisNotificationStoreOptions = Pick<RedisStoreConnection, 'redis' | 'keyPrefix'> &
  NotificationStoreSettings;

export function createRedisNotificationStore(options: RedisNotificationStoreOptions): NotificationStore {
  const { redis, keyPrefix, retentionMs } = options;
  const attempts = createRedisScriptBatch(redis, 'notifyAttempts', { start: START_ATTEMPT, finish: FINISH_ATTEMPT });
  const list = defineRedisScript(redis, 'notifyList', 1, LIST);
  const hashPrefix = `${keyPrefix}{notify}:n:`;
  const seqKey = `${keyPrefix}{notify}:seq`;
  const allKey = `${keyPrefix}{notify}:all`;
  const orderKey = (orderId: string) => `${keyPrefix}{notify}:order:${orderId}`;

  return {
    async startAttempt(notification: NewNotification, now: number): Promise<AttemptStart> {
      const { id, eventId, eventType, orderId, channel, subject, message } = notification;
      const [status, fields] = (await attempts({
        step: 'start',
        keys: [hashPrefix + id, seqKey, allKey, orderKey(orderId)],
        args: [id, eventId, eventType, orderId, channel, subject, message, now, retentionMs, hashPrefix],
      })) as [AttemptStart['status'], string[]];
      return { status, notification: parseNotification(fields) };
    },
    async markSent(id, now) {
      return (await attempts({ step: 'finish', keys: [hashPrefix + id], args: ['SENT', 'sentAt', now] })) === 1;
    },
    async markFailed(id, reason) {
      const args = ['FAILED', 'failureReason', reason];
      return (await attempts({ step: 'finish', keys: [hashPrefix + id], args })) === 1;
    },
    async get(id) {
      const fields = await redisCall(() => redis.hgetall(hashPrefix + id));
      return Object.keys(fields).length === 0 ? undefined : toNotification(fields);
    },
    async list(query: ListQuery) {
      const index = query.orderId === undefined ? allKey : orderKey(query.orderId);
      const found = (await redisCall(() => list([index], [query.limit, hashPrefix]))) as string[][];
      return found.map(parseNotification);
    },
    async ping() {
      await pingRedis(redis);
    },
  };
}

/** A hash as HGETALL returns it inside a script: a flat list of field, value, field, value, … */
function parseNotification(flat: readonly string[]): Notification {
  const fields: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
  return toNotification(fields);
}

function toNotification(fields: Record<string, string>): Notification {
  return {
    id: fields.id!,
    eventId: fields.eventId!,
    eventType: fields.eventType as EventType,
    orderId: fields.orderId!,
    channel: fields.channel as ChannelName,
    subject: fields.subject!,
    message: fields.message!,
    status: fields.status as NotificationStatus,
    attempts: Number(fields.attempts),
    createdAt: new Date(Number(fields.createdAt)).toISOString(),
    ...(fields.sentAt === undefined ? {} : { sentAt: new Date(Number(fields.sentAt)).toISOString() }),
    ...(fields.failureReason === undefined ? {} : { failureReason: fields.failureReason }),
  };
}
