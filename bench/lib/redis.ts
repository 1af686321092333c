// Redis for the benchmarks. INFO commandstats is server-wide, so a benchmark that counts commands per event runs its
// own non-persistent redis-server on a free port, whose statistics only that run touches.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { freePort } from '../../packages/cli/src/load/embedded-stack.ts';

export interface BenchRedis {
  readonly url: string;
  /** True when no other client uses this server: its commandstats are this run's alone. */
  readonly private: boolean;
  stop(): Promise<void>;
}

/** REDIS_URL when set, else a private, non-persistent redis-server, else the shared one on 6379. */
export async function benchRedis(): Promise<BenchRedis> {
  const shared = (url: string): BenchRedis => ({ url, private: false, stop: async () => {} });
  if (process.env.REDIS_URL !== undefined) return shared(process.env.REDIS_URL);
  const port = await freePort();
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const failed = await Promise.race([once(child, 'error').then(() => true), once(child, 'spawn').then(() => false)]);
  if (failed) return shared('redis://127.0.0.1:6379');
  const url = `redis://127.0.0.1:${port}`;
  // redis-server takes a moment to listen: poll until it answers.
  for (let attempt = 1; ; attempt++) {
    const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null });
    probe.on('error', () => {});
    try {
      await probe.connect();
      probe.disconnect();
      break;
    } catch (error) {
      probe.disconnect();
      if (attempt >= 250) throw error;
      await delay(20);
    }
  }
  return {
    url,
    private: true,
    async stop() {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}

/** Calls per command name so far, from INFO commandstats. */
export async function commandStats(redis: Redis): Promise<Map<string, number>> {
  const stats = new Map<string, number>();
  for (const line of (await redis.info('commandstats')).split('\n')) {
    const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
    if (match) stats.set(match[1]!, Number(match[2]));
  }
  return stats;
}

/** Calls per command between two commandstats readings; the INFO calls that read them are left out. */
export function commandDelta(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const delta = new Map<string, number>();
  for (const [command, calls] of after) {
    const change = calls - (before.get(command) ?? 0);
    if (change > 0 && command !== 'info') delta.set(command, change);
  }
  return delta;
}

export async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 5000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}
