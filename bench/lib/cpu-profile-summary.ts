// Prints the top self-time functions and files of every .cpuprofile (V8's format, written by node --cpu-prof) in a
// directory, each profile named after the process it came from, so a profiled bench run can be read without DevTools;
// given a path, also the inclusive time of the functions below it (what a broker's own code costs with its callees).
//
//   node bench/lib/cpu-profile-summary.ts <dir> [top=10] [inclusive-within, e.g. /packages/broker/src/]
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

interface ProfileNode {
  readonly id: number;
  readonly children?: readonly number[];
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** A function or file and the sampled time it took, in ms and as a share of the busy time. */
export interface TimeShare {
  readonly name: string;
  readonly ms: number;
  readonly share: number;
}

export interface ProfileSummary {
  readonly file: string;
  readonly process: string;
  /** Sampled time that was not idle, in ms. */
  readonly busyMs: number;
  readonly wallMs: number;
  readonly top: readonly TimeShare[];
  /** Self time per source file, native frames counted as `(native)`. */
  readonly topFiles: readonly TimeShare[];
  /** Self time plus callees' of the functions whose file is below SummaryOptions.inclusiveWithin; empty without it. */
  readonly inclusive: readonly TimeShare[];
}

export interface SummaryOptions {
  /** How many functions and files each list keeps. */
  readonly top: number;
  /** A path part, such as `/packages/broker/src/`: the functions whose inclusive time is listed. */
  readonly inclusiveWithin?: string;
}

const PROCESS_MARKERS: readonly (readonly [string, string])[] = [
  ['/packages/broker/src/bin.ts', 'broker'],
  ['/services/order-service/src/main.ts', 'order-service'],
  ['/services/stock-service/src/main.ts', 'stock-service'],
  ['/services/notification-service/src/main.ts', 'notification-service'],
  ['/services/analytics-service/src/main.ts', 'analytics-service'],
  ['/packages/cli/', 'launcher'],
];

// V8's pseudo-frames: time that is no JavaScript function's own work.
const IDLE = new Set(['(idle)', '(program)']);

function processOf(profile: CpuProfile): string {
  const urls = new Set(profile.nodes.map((node) => node.callFrame.url));
  for (const [marker, name] of PROCESS_MARKERS) {
    if ([...urls].some((url) => url.endsWith(marker) || (marker.endsWith('/') && url.includes(marker)))) return name;
  }
  return 'unknown';
}

/** Node's own modules and the stream plumbing are skipped to reach the code that asked for the native work. */
function isOwnCode(url: string): boolean {
  return url !== '' && !url.startsWith('node:');
}

function shortUrl(url: string): string {
  return url.replace(/^.*\/(node_modules|packages|services|bench)\//, '$1/');
}

function frameName({ callFrame }: ProfileNode): string {
  const name = callFrame.functionName || '(anonymous)';
  if (callFrame.url === '') return name;
  return `${name} ${shortUrl(callFrame.url)}:${callFrame.lineNumber + 1}`;
}

function add(totals: Map<string, number>, key: string, us: number): void {
  totals.set(key, (totals.get(key) ?? 0) + us);
}

function ranked(totals: ReadonlyMap<string, number>, top: number, busyUs: number): TimeShare[] {
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => ({ name, ms: us / 1000, share: busyUs === 0 ? 0 : us / busyUs }));
}

export function summarize(file: string, options: SummaryOptions): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, ProfileNode>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node);
  // A native frame (writev, writeUtf8String) says little alone: it is named with the nearest caller outside Node's own
  // modules.
  const nameOf = (node: ProfileNode): string => {
    if (node.callFrame.url !== '') return frameName(node);
    let caller = parents.get(node.id);
    while (caller !== undefined && !isOwnCode(caller.callFrame.url)) caller = parents.get(caller.id);
    return caller === undefined ? frameName(node) : `${frameName(node)} ← ${frameName(caller)}`;
  };
  const { inclusiveWithin } = options;
  const selfUs = new Map<string, number>();
  const fileUs = new Map<string, number>();
  const inclusiveUs = new Map<string, number>();
  let busyUs = 0;
  // timeDeltas[i] is the time before sample i; the time a sample stands for is the delta that follows it.
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]!);
    const us = profile.timeDeltas[i + 1] ?? 0;
    if (node === undefined || IDLE.has(node.callFrame.functionName)) continue;
    add(selfUs, nameOf(node), us);
    add(fileUs, node.callFrame.url === '' ? '(native)' : shortUrl(node.callFrame.url), us);
    busyUs += us;
    if (inclusiveWithin === undefined) continue;
    // Each sample counts once per function on its stack, even where the function recurses.
    const seen = new Set<string>();
    for (let at: ProfileNode | undefined = node; at !== undefined; at = parents.get(at.id)) {
      if (!at.callFrame.url.includes(inclusiveWithin)) continue;
      const name = frameName(at);
      if (seen.has(name)) continue;
      seen.add(name);
      add(inclusiveUs, name, us);
    }
  }
  return {
    file,
    process: processOf(profile),
    busyMs: busyUs / 1000,
    wallMs: (profile.endTime - profile.startTime) / 1000,
    top: ranked(selfUs, options.top, busyUs),
    topFiles: ranked(fileUs, options.top, busyUs),
    inclusive: ranked(inclusiveUs, options.top, busyUs),
  };
}

export function summarizeDirectory(dir: string, options: SummaryOptions = { top: 10 }): ProfileSummary[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => summarize(join(dir, name), options));
}

export function formatSummary(summary: ProfileSummary): string {
  const list = (heading: string, hot: readonly TimeShare[]) =>
    hot.length === 0
      ? []
      : [
          `  ${heading}:`,
          ...hot.map(
            ({ name, ms, share }) =>
              `  ${ms.toFixed(0).padStart(7)} ms ${(share * 100).toFixed(1).padStart(5)}%  ${name}`,
          ),
        ];
  return [
    `${summary.process}: ${summary.busyMs.toFixed(0)} ms busy of ${summary.wallMs.toFixed(0)} ms (${summary.file})`,
    ...list('self time by function', summary.top),
    ...list('self time by file', summary.topFiles),
    ...list('inclusive time', summary.inclusive),
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [dir, top, inclusiveWithin] = process.argv.slice(2);
  if (dir === undefined) throw new Error('usage: node bench/lib/cpu-profile-summary.ts <dir> [top] [inclusive-within]');
  const options = { top: top === undefined ? 10 : Number(top), ...(inclusiveWithin ? { inclusiveWithin } : {}) };
  for (const summary of summarizeDirectory(dir, options)) {
    console.log(`${formatSummary(summary)}\n`);
  }
}
