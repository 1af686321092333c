// The embedded broker as its own process, as Kafka is in production, so its CPU is not this benchmark's event loop.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FsyncPolicy } from '@orderflow/broker';
import { startChild, stopChild } from './child-process.ts';

export interface BenchBroker {
  readonly bootstrap: string;
  readonly pid: number;
  close(): Promise<void>;
}

/** Its log lines are JSON; the one that says it listens carries the port it was given. */
function listeningPort(line: string): string | undefined {
  if (!line.startsWith('{')) return undefined;
  const entry = JSON.parse(line) as { msg?: string; port?: number };
  return entry.msg === 'broker listening' && entry.port !== undefined ? String(entry.port) : undefined;
}

/** A broker on a free port with its log in `dataDir`/broker; `execArgv` goes to its Node (e.g. --cpu-prof). */
export async function startBrokerProcess(
  dataDir: string,
  options: { fsync?: FsyncPolicy; partitions?: number; execArgv?: readonly string[] } = {},
): Promise<BenchBroker> {
  const bin = fileURLToPath(import.meta.resolve('@orderflow/broker').replace(/index\.ts$/, 'bin.ts'));
  const args = ['--port', '0', '--data-dir', join(dataDir, 'broker'), '--log-level', 'info'];
  if (options.fsync !== undefined) args.push('--fsync', options.fsync);
  if (options.partitions !== undefined) args.push('--partitions', String(options.partitions));
  const { child, found } = await startChild(process.execPath, [...(options.execArgv ?? []), bin, ...args], (line) =>
    listeningPort(line),
  );
  return {
    bootstrap: `127.0.0.1:${found}`,
    pid: child.pid!,
    close: () => stopChild(child, () => child.kill('SIGTERM')),
  };
}
