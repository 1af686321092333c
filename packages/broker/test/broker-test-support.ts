// Shared by the broker's tests: a broker on port 0 in a fresh temporary data directory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { type RunningBroker, type StartBrokerOptions, startBroker } from '../src/broker.ts';

export const silentLog = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export function temporaryDirectory(prefix = 'orderflow-broker-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface TestBroker extends RunningBroker {
  readonly dataDir: string;
  /** Closes the broker and deletes its data directory. */
  dispose(): Promise<void>;
}

export async function startTestBroker(options: Partial<StartBrokerOptions> = {}): Promise<TestBroker> {
  const directory = options.dataDir === undefined ? temporaryDirectory() : undefined;
  const dataDir = options.dataDir ?? directory!.path;
  const broker = await startBroker({ port: 0, log: silentLog, ...options, dataDir });
  return Object.assign(Object.create(null), broker, {
    dataDir,
    close: () => broker.close(),
    async dispose() {
      await broker.close();
      directory?.remove();
    },
  }) as TestBroker;
}
