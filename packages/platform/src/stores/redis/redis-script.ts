import type { RedisClient } from './open-redis.ts';

export type RedisScript = (keys: readonly string[], args: readonly (string | number)[]) => Promise<unknown>;

type ScriptCommand = (...keysAndArgs: (string | number)[]) => Promise<unknown>;

/**
 * Registers a Lua script on the client with defineCommand (sent once, then run by its SHA) and returns a typed
 * caller. Scripts run atomically in Redis, which is what makes check-then-write steps safe across processes.
 */
export function defineRedisScript(redis: RedisClient, name: string, numberOfKeys: number, lua: string): RedisScript {
  const commands = redis as unknown as Record<string, ScriptCommand | undefined>;
  if (commands[name] === undefined) redis.defineCommand(name, { numberOfKeys, lua });
  const command = commands[name]!;
  return (keys, args) => command.call(redis, ...keys, ...args);
}

/**
 * Like defineRedisScript, for a script whose number of keys varies from call to call (a batch): the count goes first
 * on every call. Every key is still declared, as Redis Cluster requires of a script.
 */
export function defineRedisBatchScript(redis: RedisClient, name: string, lua: string): RedisScript {
  const commands = redis as unknown as Record<string, ScriptCommand | undefined>;
  if (commands[name] === undefined) redis.defineCommand(name, { lua });
  const command = commands[name]!;
  return (keys, args) => command.call(redis, keys.length, ...keys, ...args);
}
