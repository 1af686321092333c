import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts, redisCli, startRedisProcess, waitFor } from './redis-process.ts';

// One Redis master and one Sentinel monitoring it (quorum 1), started by the test itself on free ports in a
// temporary directory, nothing persisted. The services find the master by asking the Sentinel, as they would in
// production (REDIS_SENTINELS + REDIS_SENTINEL_NAME).

export const SENTINEL_MASTER_NAME = 'orderflow-e2e';

export interface RedisSentinel {
  /** REDIS_SENTINELS for the services. */
  readonly sentinels: string;
  /** REDIS_SENTINEL_NAME for the services. */
  readonly name: string;
  readonly masterPort: number;
  close(): Promise<void>;
}

export async function startRedisSentinel(): Promise<RedisSentinel> {
  const dir = mkdtempSync(join(tmpdir(), 'orderflow-redis-sentinel-'));
  const [masterPort, sentinelPort] = (await freePorts(2)) as [number, number];
  const started: { kill(): Promise<void> }[] = [];
  const close = async () => {
    await Promise.all(started.map((server) => server.kill()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    started.push(await startRedisProcess(masterPort, ['--dir', dir, '--save', '', '--appendonly', 'no']));
    // A Sentinel rewrites its config file (what it learnt of the master), so it gets one of its own.
    const config = join(dir, 'sentinel.conf');
    writeFileSync(config, `sentinel monitor ${SENTINEL_MASTER_NAME} 127.0.0.1 ${masterPort} 1\n`);
    started.push(await startRedisProcess(sentinelPort, [config, '--sentinel', '--dir', dir]));
    await waitFor(`the Sentinel naming ${SENTINEL_MASTER_NAME}`, async () => {
      const reply = await redisCli(sentinelPort, ['sentinel', 'get-master-addr-by-name', SENTINEL_MASTER_NAME]);
      return reply
        .split('\n')
        .map((line) => line.trim())
        .join(' ')
        .startsWith(`127.0.0.1 ${masterPort}`);
    });
  } catch (error) {
    await close();
    throw error;
  }
  return { sentinels: `127.0.0.1:${sentinelPort}`, name: SENTINEL_MASTER_NAME, masterPort, close };
}
