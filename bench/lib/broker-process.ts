// The embedded broker as its own process, as Kafka is in production, so its CPU is not this benchmark's event loop.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { FsyncPolicy } from '@orderflow/broker';

export interface BenchBroker {
  readonly bootstrap: string;
  readonly pid: number;
  close(): Promise<void>;
}

export async function startBrokerProcess(
  dataDir: string,
  options: { fsync?: FsyncPolicy; partitions?: number; execArgv?: readonly string[] } = {},
): Promise<BenchBroker> {
  const bin = fileURLToPath(import.meta.resolve('@orderflow/broker').replace(/index\.ts$/, 'bin.ts'));
  const args = ['--port', '0', '--data-dir', join(dataDir, 'broker'), '--log-level', 'info'];
  if (options.fsync !== undefined) args.push('--fsync', options.fsync);
  if (options.partitions !== undefined) args.push('--partitions', String(options.partitions));
  const child = spawn(process.execPath, [...(options.execArgv ?? []), bin, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; port?: number };
      if (entry.msg === 'broker listening' && entry.port !== undefined) resolve(entry.port);
    });
    void exited.then(() => reject(new Error('the broker exited before listening')));
  });
  return {
    bootstrap: `127.0.0.1:${port}`,
    pid: child.pid!,
    async close() {
      child.kill('SIGTERM');
      if (child.exitCode === null) await exited;
    },
  };
}
