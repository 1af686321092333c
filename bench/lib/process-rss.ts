// Resident memory (VmRSS) of a process and everything it started, read from /proc: a stack of Node processes costs
// what all of them hold together, and the launcher's children live in process groups of their own, so the tree is
// followed by parentage rather than by group. Linux only.
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessMemory {
  readonly pid: number;
  /** argv of the process, as /proc/<pid>/cmdline holds it. */
  readonly argv: readonly string[];
  readonly rssMiB: number;
}

/** A reading of a process tree: every process found alive in it, the root first. */
export type TreeMemory = readonly ProcessMemory[];

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    // The process exited between being listed and being read.
    return undefined;
  }
}

/** The direct children of a process: each of its threads lists the children that thread started. */
function childrenOf(pid: number): number[] {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  return tasks.flatMap((task) =>
    (readOrUndefined(`/proc/${pid}/task/${task}/children`) ?? '').split(/\s+/).filter(Boolean).map(Number),
  );
}

/** `root` and all its descendants that are alive, parents before their children. */
export function processTree(root: number): number[] {
  const found: number[] = [];
  const pending = [root];
  for (let pid = pending.shift(); pid !== undefined; pid = pending.shift()) {
    found.push(pid);
    pending.push(...childrenOf(pid));
  }
  return found;
}

/** One kB field of /proc/<pid>/status in MiB; undefined once the process has exited (a zombie has no Vm* lines). */
function statusMiB(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  const status = readOrUndefined(`/proc/${pid}/status`);
  const kib = status === undefined ? undefined : new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1];
  return kib === undefined ? undefined : Number(kib) / 1024;
}

/** VmRSS of one process in MiB; undefined once it has exited. */
export const rssMiB = (pid: number): number | undefined => statusMiB(pid, 'VmRSS');

/** VmHWM, the highest VmRSS the process has had, in MiB; undefined once it has exited. */
export const peakRssMiB = (pid: number): number | undefined => statusMiB(pid, 'VmHWM');

/** argv of a process, as /proc/<pid>/cmdline holds it; undefined once it has exited. */
export function argvOf(pid: number): string[] | undefined {
  return readOrUndefined(`/proc/${pid}/cmdline`)?.split('\0').filter(Boolean);
}

export function treeMemory(root: number): TreeMemory {
  const readings: ProcessMemory[] = [];
  for (const pid of processTree(root)) {
    const rss = rssMiB(pid);
    const argv = argvOf(pid);
    if (rss === undefined || argv === undefined) continue;
    readings.push({ pid, argv, rssMiB: rss });
  }
  return readings;
}

export const totalMiB = (tree: TreeMemory): number => tree.reduce((sum, process) => sum + process.rssMiB, 0);

export interface TreeSampler {
  /** Stops sampling and returns every reading taken: the first at once, then one each interval. */
  stop(): TreeMemory[];
}

/** Reads the tree under `root` every `intervalMs` until stopped. */
export function sampleTreeMemory(root: number, intervalMs: number): TreeSampler {
  const samples: TreeMemory[] = [treeMemory(root)];
  const timer = setInterval(() => samples.push(treeMemory(root)), intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return samples;
    },
  };
}
