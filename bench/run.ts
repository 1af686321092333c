// `npm run bench -- <name> [args…]` runs bench/<name>.ts; with no name it lists the benchmarks. A benchmark is any
// bench/*.ts file but the shared helpers, so one added by dropping a file in bench/ is found by its file name.
// Each runs as its own process on this Node, told in BENCH_COMMAND how it was called, so bench/results.ts can write
// the exact command next to its figures.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const benchDir = fileURLToPath(new URL('.', import.meta.url));
const helpers = new Set(['run', 'results']);

function benchmarks(): string[] {
  return readdirSync(benchDir)
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .map((file) => file.slice(0, -'.ts'.length))
    .filter((name) => !helpers.has(name))
    .sort();
}

/** The first sentence of a benchmark's opening comment, which says what it measures. */
function summary(name: string): string {
  const lines = readFileSync(`${benchDir}${name}.ts`, 'utf8').split('\n');
  const paragraph: string[] = [];
  for (const line of lines) {
    const text = /^\/\/\s?(.*)$/.exec(line)?.[1]?.trim();
    if (text === undefined || text === '') break;
    paragraph.push(text);
  }
  const sentence = paragraph
    .join(' ')
    .replace(/^Benchmark, not a test:\s*/i, '')
    .split(/(?<=\.)\s/, 1)[0]!;
  return sentence.length > 110 ? `${sentence.slice(0, 109)}…` : sentence;
}

function usage(): void {
  console.log('Usage: npm run bench -- <name> [args…]\n\nBenchmarks:');
  const names = benchmarks();
  const width = Math.max(0, ...names.map((name) => name.length));
  for (const name of names) console.log(`  ${name.padEnd(width)}  ${summary(name)}`);
  console.log(
    '\nBENCH_RECORD=0 skips appending the result to BENCHMARKS.md; each benchmark documents its other BENCH_* knobs.',
  );
}

const [name, ...args] = process.argv.slice(2);
if (name === undefined || name === '--help' || name === '-h') {
  usage();
} else if (!benchmarks().includes(name)) {
  console.error(`no benchmark named ${JSON.stringify(name)}\n`);
  usage();
  process.exitCode = 2;
} else {
  const viaNpm = process.env.npm_lifecycle_event === 'bench';
  const command = viaNpm ? ['npm', 'run', 'bench', '--', name, ...args] : ['node', 'bench/run.ts', name, ...args];
  const child = spawn(process.execPath, [`${benchDir}${name}.ts`, ...args], {
    stdio: 'inherit',
    env: { ...process.env, BENCH_COMMAND: command.join(' ') },
  });
  // Ctrl-C already reaches the benchmark through the terminal's process group: the runner only waits for it to clean
  // up. A SIGTERM is sent to the runner alone, so it is passed on.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal === null ? 1 : 128);
  });
}
