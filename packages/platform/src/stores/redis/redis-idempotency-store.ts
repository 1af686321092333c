import type { Redis } from 'ioredis';
import type { ClaimResult, IdempotencyStore } from '../idempotency-store.ts';
import { redisCall } from './open-redis.ts';
import { defineRedisScript } from './redis-script.ts';

// One hash per key: state (in-flight | completed), hash (the request hash), response (JSON).

const CLAIM = `
local state = redis.call('HGET', KEYS[1], 'state')
if not state then
  redis.call('HSET', KEYS[1], 'state', 'in-flight', 'hash', ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {'claimed'}
end
local fields = redis.call('HMGET', KEYS[1], 'hash', 'response')
if fields[1] ~= ARGV[1] then return {'mismatch'} end
if state == 'completed' then return {'completed', fields[1], fields[2]} end
return {'in-flight'}
`;

const COMPLETE = `
if redis.call('HGET', KEYS[1], 'state') ~= 'in-flight' then return 0 end
redis.call('HSET', KEYS[1], 'state', 'completed', 'response', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

const RELEASE = `
if redis.call('HGET', KEYS[1], 'state') ~= 'in-flight' then return 0 end
return redis.call('DEL', KEYS[1])
`;

export function createRedisIdempotencyStore(redis: Redis, keyPrefix: string): IdempotencyStore {
  const claim = defineRedisScript(redis, 'orderflowIdempotencyClaim', 1, CLAIM);
  const complete = defineRedisScript(redis, 'orderflowIdempotencyComplete', 1, COMPLETE);
  const release = defineRedisScript(redis, 'orderflowIdempotencyRelease', 1, RELEASE);
  const keyOf = (key: string) => `${keyPrefix}idempotency:${key}`;

  return {
    async claim(key, requestHash, ttlMs) {
      const reply = (await redisCall(() => claim([keyOf(key)], [requestHash, ttlMs]))) as string[];
      const [status, storedHash, response] = reply;
      if (status === 'completed') return { status, requestHash: storedHash!, response: JSON.parse(response!) };
      return { status } as ClaimResult;
    },
    async complete(key, response, ttlMs) {
      return (await redisCall(() => complete([keyOf(key)], [JSON.stringify(response), ttlMs]))) === 1;
    },
    async release(key) {
      return (await redisCall(() => release([keyOf(key)], []))) === 1;
    },
  };
}
