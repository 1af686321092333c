// What the launcher tests need around `orderflow up`: free ports for everything it starts, a temporary data
// directory, and the process tree as /proc shows it (which children the launcher has, what each one runs, whether
// it still runs), plus a probe for whether anything listens on a port.
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { freePort } from '../src/load/embedded-stack.ts';

export const PORT_VARIABLES = [
  'ORDERFLOW_BROKER_PORT',
  'ORDER_SERVICE_PORT',
  'STOCK_SERVICE_PORT',
  'NOTIFICATION_SERVICE_PORT',
  'ANALYTICS_SERVICE_PORT',
  'CONSOLE_PORT',
] as const;

export type LauncherPorts = Record<(typeof PORT_VARIABLES)[number], string>;

export async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'orderflow-cli-launcher-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Free ports for the broker, the four services and the console, so `up` clashes with nothing else on the machine. */
export async function launcherPorts(): Promise<LauncherPorts> {
  const ports: Partial<LauncherPorts> = {};
  for (const variable of PORT_VARIABLES) ports[variable] = String(await freePort());
  return ports as LauncherPorts;
}

export function childPids(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

/** The command line of `pid`, arguments joined by spaces; '' once it is gone. */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    return '';
  }
}

export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether `pid` still runs: a zombie counts as gone. A child whose parent exited without waiting for it stays a
 * zombie until its new parent reaps it, which kill(pid, 0) cannot tell from a running process.
 */
export function isAlive(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X';
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export function isListening(port: number | string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(Number(port), '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
