import { randomBytes } from 'node:crypto';
import type { RedisClient } from './open-redis.ts';
import type { DistributedLock, Lease } from '../distributed-lock.ts';
import { redisCall } from './open-redis.ts';
import { defineRedisScript } from './redis-script.ts';

// The lock key holds the holder's random token with a PX expiry; the fence key is a counter that never expires, so
// fencing tokens keep increasing across holders. Taking the lock and bumping the counter happen in one script: a
// holder never exists without its fencing token. The {name} hash tag keeps both keys in one Redis Cluster slot.

const ACQUIRE = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return redis.call('INCR', KEYS[2])
end
return false
`;

const EXTEND = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

export function createRedisDistributedLock(redis: RedisClient, keyPrefix: string): DistributedLock {
  const acquire = defineRedisScript(redis, 'orderflowLockAcquire', 2, ACQUIRE);
  const extend = defineRedisScript(redis, 'orderflowLockExtend', 1, EXTEND);
  const release = defineRedisScript(redis, 'orderflowLockRelease', 1, RELEASE);

  return {
    async acquire(name, ttlMs) {
      const lockKey = `${keyPrefix}lock:{${name}}`;
      const fenceKey = `${keyPrefix}lock-fence:{${name}}`;
      const token = randomBytes(16).toString('hex');
      const fencingToken = await redisCall(() => acquire([lockKey, fenceKey], [token, ttlMs]));
      if (fencingToken === null) return null;
      const lease: Lease = {
        name,
        token,
        fencingToken: Number(fencingToken),
        extend: async (ttl) => (await redisCall(() => extend([lockKey], [token, ttl]))) === 1,
        release: async () => (await redisCall(() => release([lockKey], [token]))) === 1,
      };
      return lease;
    },
  };
}
