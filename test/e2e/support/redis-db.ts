import { randomUUID } from 'node:crypto';
import { createLogger, openRedis } from '@orderflow/platform';

// The services keep their Redis keys under fixed prefixes (`orderflow:<service>:`) with no variable to change them,
// so two runs on one logical database would share stock, orders and counters. Each run leases a logical database of
// its own instead: a lease key in database 0 (SET NX with an expiry, so a crashed run frees it on its own), then the
// database is flushed before and after use. Databases 1-15 are used only by this suite; the services' and packages'
// own tests stay on database 0 under unique prefixes.

const LEASE_PREFIX = 'orderflow:e2e:redis-db-lease:';
const LEASE_TTL_MS = 10 * 60_000;
const DATABASES = Array.from({ length: 15 }, (_, index) => index + 1);
const log = createLogger({ name: 'e2e-redis', level: 'silent' });

const RELEASE_IF_OWNER = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export interface RedisDatabase {
  /** REDIS_URL for the services: the leased database, empty. */
  readonly url: string;
  /** Empties the database and gives the lease back. */
  release(): Promise<void>;
}

export function redisServerUrl(): string {
  const url = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  url.pathname = '';
  return url.toString().replace(/\/$/, '');
}

export async function leaseRedisDatabase(): Promise<RedisDatabase> {
  const server = redisServerUrl();
  const admin = await openRedis(`${server}/0`, { log });
  try {
    const token = randomUUID();
    for (const database of DATABASES) {
      const lease = `${LEASE_PREFIX}${database}`;
      if ((await admin.set(lease, token, 'PX', LEASE_TTL_MS, 'NX')) !== 'OK') continue;
      const url = `${server}/${database}`;
      await flush(url);
      return {
        url,
        async release() {
          await flush(url);
          const owner = await openRedis(`${server}/0`, { log });
          try {
            await owner.eval(RELEASE_IF_OWNER, 1, lease, token);
          } finally {
            owner.disconnect();
          }
        },
      };
    }
    throw new Error(`every Redis database ${DATABASES[0]}-${DATABASES.at(-1)} is leased by another e2e run`);
  } finally {
    admin.disconnect();
  }
}

async function flush(url: string): Promise<void> {
  const redis = await openRedis(url, { log });
  try {
    await redis.flushdb();
  } finally {
    redis.disconnect();
  }
}
