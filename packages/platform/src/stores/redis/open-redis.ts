import { Redis } from 'ioredis';
import { PlatformErrors } from '../../errors.ts';
import type { Logger } from '../../logger.ts';

export interface OpenRedisOptions {
  readonly log: Logger;
  /** How long the first connection may take before openRedis() fails. */
  readonly connectTimeoutMs?: number;
}

/**
 * Connects to Redis and resolves once it answers, or rejects with STORE_UNAVAILABLE. After that the client
 * reconnects by itself; a command issued while Redis is away fails after one reconnect attempt instead of queueing
 * without bound, so an HTTP request gets a 503 rather than hanging.
 */
export async function openRedis(url: string, options: OpenRedisOptions): Promise<Redis> {
  const { log } = options;
  const target = redactUrl(url);
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs ?? 5000,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  redis.on('error', (err: Error) => log.warn({ err, redis: target }, 'redis connection error'));
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw PlatformErrors.create('STORE_UNAVAILABLE', `Redis at ${target} is unreachable: ${(error as Error).message}`, {
      cause: error,
    });
  }
  log.info({ redis: target }, 'redis connected');
  return redis;
}

/** The URL without its password, for logs and error messages. */
export function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = '***';
  return parsed.toString();
}

/**
 * Runs a Redis call, turning connection failures into STORE_UNAVAILABLE (retriable, 503). Errors Redis itself
 * replied with are bugs in our commands and pass through unchanged.
 */
export async function redisCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof Error && error.name === 'ReplyError') throw error;
    throw PlatformErrors.create('STORE_UNAVAILABLE', `Redis is unavailable: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
