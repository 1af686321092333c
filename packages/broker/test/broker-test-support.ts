// Shared by the broker's tests: a broker on port 0 in a fresh temporary data directory, in this process or as a child
// process running the `orderflow-broker` entry point (for the tests that kill it or signal it).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
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

export interface BrokerProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** Every JSON log line the broker has written to stdout so far. */
  readonly logLines: Array<Record<string, unknown> & { msg?: string }>;
  /** Resolves with how the process ended, once its output has been read to the end. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const brokerBin = fileURLToPath(new URL('../src/bin.ts', import.meta.url));

/** Runs `src/bin.ts` as a child process on port 0 and resolves once it listens. */
export async function spawnBrokerProcess(args: readonly string[]): Promise<BrokerProcess> {
  const child = spawn(process.execPath, [brokerBin, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  const logLines: BrokerProcess['logLines'] = [];
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    lines.on('line', (line) => {
      const entry = JSON.parse(line) as BrokerProcess['logLines'][number];
      logLines.push(entry);
      if (entry.msg === 'broker listening' && typeof entry.port === 'number') resolve(entry.port);
    });
    void exited.then(({ code, signal }) => reject(new Error(`broker exited before listening (${code ?? signal})`)));
  });
  return { child, port, logLines, exited };
}
