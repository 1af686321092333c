// Where `orderflow up` says which processes it runs, so another command (orderflow load --faults) can find and kill
// one: <data dir>/processes/<name>.json per child, {pid, ready}, rewritten at every (re)start, plus launcher.json
// with the launcher's own pid. `ready` says how to tell the child is serving again: a /health/ready URL, or the
// broker's host:port. The files are removed when the launcher stops; a file left by a launcher that died is
// recognised by its launcher pid no longer running.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type Readiness = { readonly http: string } | { readonly kafka: string };

export interface RegisteredProcess {
  readonly name: string;
  readonly pid: number;
  readonly ready: Readiness;
}

const DIRECTORY = 'processes';
const LAUNCHER = 'launcher';

export function processRegistryPath(dataDir: string): string {
  return join(dataDir, DIRECTORY);
}

/** The launcher's side: written at start, a child's entry at each spawn, everything removed at the end. */
export class ProcessRegistry {
  readonly #directory: string;

  constructor(dataDir: string) {
    this.#directory = processRegistryPath(dataDir);
  }

  open(launcherPid: number): void {
    rmSync(this.#directory, { recursive: true, force: true });
    mkdirSync(this.#directory, { recursive: true });
    this.#write(LAUNCHER, { pid: launcherPid });
  }

  record(entry: RegisteredProcess): void {
    this.#write(entry.name, { pid: entry.pid, ready: entry.ready });
  }

  close(): void {
    rmSync(this.#directory, { recursive: true, force: true });
  }

  /** Write then rename: a reader never sees half a file. */
  #write(name: string, content: object): void {
    const file = join(this.#directory, `${name}.json`);
    writeFileSync(`${file}.tmp`, `${JSON.stringify(content)}\n`);
    renameSync(`${file}.tmp`, file);
  }
}

export class NoLauncherError extends Error {
  readonly code = 'ERR_NO_LAUNCHER';
}

/** The reader's side: the entry of `name`, if a running launcher wrote it. */
export function readRegisteredProcess(dataDir: string, name: string): RegisteredProcess | undefined {
  const launcher = readEntry(dataDir, LAUNCHER);
  if (launcher === undefined || !isRunning(launcher.pid)) {
    throw new NoLauncherError(`no orderflow up is running with the data directory ${dataDir}`);
  }
  const entry = readEntry(dataDir, name);
  if (entry === undefined || entry.ready === undefined) return undefined;
  return { name, pid: entry.pid, ready: entry.ready };
}

export function isLauncherRunning(dataDir: string): boolean {
  const launcher = readEntry(dataDir, LAUNCHER);
  return launcher !== undefined && isRunning(launcher.pid);
}

function readEntry(dataDir: string, name: string): { pid: number; ready?: Readiness } | undefined {
  try {
    const parsed = JSON.parse(readFileSync(join(processRegistryPath(dataDir), `${name}.json`), 'utf8')) as {
      pid?: unknown;
      ready?: Readiness;
    };
    return typeof parsed.pid === 'number' ? { pid: parsed.pid, ready: parsed.ready } : undefined;
  } catch {
    return undefined;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
