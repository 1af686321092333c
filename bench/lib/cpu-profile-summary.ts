// Prints the top self-time functions of every .cpuprofile (V8's format, written by node --cpu-prof) in a directory,
// each profile named after the process it came from, so a profiled bench run can be read without DevTools.
//
//   node bench/lib/cpu-profile-summary.ts <dir> [top=10]
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

export interface HotFunction {
  readonly name: string;
  readonly selfMs: number;
  readonly share: number;
}

export interface ProfileSummary {
  readonly file: string;
  readonly process: string;
  /** Sampled time that was not idle, in ms. */
  readonly busyMs: number;
  readonly wallMs: number;
  readonly top: readonly HotFunction[];
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

function frameName({ callFrame }: ProfileNode): string {
  const name = callFrame.functionName || '(anonymous)';
  if (callFrame.url === '') return name;
  const short = callFrame.url.replace(/^.*\/(node_modules|packages|services|bench)\//, '$1/');
  return `${name} ${short}:${callFrame.lineNumber + 1}`;
}

export function summarize(file: string, top: number): ProfileSummary {
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
  const selfUs = new Map<string, number>();
  let busyUs = 0;
  // timeDeltas[i] is the time before sample i; the time a sample stands for is the delta that follows it.
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]!);
    const us = profile.timeDeltas[i + 1] ?? 0;
    if (node === undefined || IDLE.has(node.callFrame.functionName)) continue;
    const name = nameOf(node);
    selfUs.set(name, (selfUs.get(name) ?? 0) + us);
    busyUs += us;
  }
  const ranked = [...selfUs].sort((a, b) => b[1] - a[1]).slice(0, top);
  return {
    file,
    process: processOf(profile),
    busyMs: busyUs / 1000,
    wallMs: (profile.endTime - profile.startTime) / 1000,
    top: ranked.map(([name, us]) => ({ name, selfMs: us / 1000, share: busyUs === 0 ? 0 : us / busyUs })),
  };
}

export function summarizeDirectory(dir: string, top = 10): ProfileSummary[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => summarize(join(dir, name), top));
}

export function formatSummary(summary: ProfileSummary): string {
  const lines = summary.top.map(
    (hot) => `  ${hot.selfMs.toFixed(0).padStart(7)} ms ${(hot.share * 100).toFixed(1).padStart(5)}%  ${hot.name}`,
  );
  return [
    `${summary.process}: ${summary.busyMs.toFixed(0)} ms busy of ${summary.wallMs.toFixed(0)} ms (${summary.file})`,
    ...lines,
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [dir, top] = process.argv.slice(2);
  if (dir === undefined) throw new Error('usage: node bench/lib/cpu-profile-summary.ts <dir> [top]');
  for (const summary of summarizeDirectory(dir, top === undefined ? 10 : Number(top))) {
    console.log(`${formatSummary(summary)}\n`);
  }
}
