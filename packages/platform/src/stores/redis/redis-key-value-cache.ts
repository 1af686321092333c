import type { Redis } from 'ioredis';
import type { KeyValueCache } from '../key-value-cache.ts';
import { redisCall } from './open-redis.ts';

export function createRedisKeyValueCache(redis: Redis, keyPrefix: string): KeyValueCache {
  const keyOf = (key: string) => `${keyPrefix}cache:${key}`;
  return {
    async get(key) {
      const value = await redisCall(() => redis.get(keyOf(key)));
      return value === null ? undefined : JSON.parse(value);
    },
    async set(key, value, ttlMs) {
      await redisCall(() => redis.set(keyOf(key), JSON.stringify(value), 'PX', ttlMs));
    },
    async delete(key) {
      await redisCall(() => redis.del(keyOf(key)));
    },
  };
}
