// Shared by the benchmarks: prints a result table and appends it, dated, to BENCHMARKS.md at the repo root with the
// machine it ran on and the exact command, so a figure in that file can always be traced to how it was made and
// compared with a later run of the same command.
import { appendFileSync, existsSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const benchmarksFile = fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url));

export type Cell = string | number;

export interface Table {
  readonly headers: readonly string[];
  readonly rows: readonly (readonly Cell[])[];
}

export interface Entry {
  /** The benchmark's name, as given to `npm run bench -- <name>`. */
  readonly name: string;
  readonly table: Table;
  /** Printed under the table, one bullet each in BENCHMARKS.md: what the figures mean, what was left out. */
  readonly notes?: readonly string[];
}

/** A GitHub-flavoured Markdown table, padded so it also reads as plain text in a terminal. */
export function formatTable(table: Table): string {
  const cells = [table.headers, ...table.rows].map((row) => row.map(String));
  const widths = table.headers.map((_, column) => Math.max(3, ...cells.map((row) => (row[column] ?? '').length)));
  // Numbers are right-aligned so digits line up; a column is numeric when every body cell is a number, or a number
  // already formatted (toFixed) as a string.
  const isNumber = (cell: Cell | undefined) => typeof cell === 'number' || /^[-+]?\d[\d,]*(\.\d+)?$/.test(cell ?? '');
  const numeric = table.headers.map((_, column) => table.rows.every((row) => isNumber(row[column])));
  const line = (row: readonly string[]) =>
    `| ${row
      .map((cell, column) => (numeric[column] ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
      .join(' | ')} |`;
  const rule = `| ${widths.map((width, column) => (numeric[column] ? `${'-'.repeat(width - 1)}:` : '-'.repeat(width))).join(' | ')} |`;
  return [line(cells[0]!), rule, ...cells.slice(1).map(line)].join('\n');
}

/** Cores, CPU model and Node version: what a reader needs to judge whether two entries are comparable. */
export function machine(): string {
  const model = cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `${availableParallelism()} cores, ${model}, Node ${process.version}, ${process.platform} ${process.arch}`;
}

const shellSafe = /^[\w@%+=:,./-]+$/;
const quote = (word: string) => (shellSafe.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`);

/**
 * The command that reproduces this run, with every BENCH_* variable that was set. bench/run.ts passes the command it
 * was called as (npm run bench -- <name> …) in BENCH_COMMAND; a benchmark run directly gets its own node command line.
 */
export function benchCommand(): string {
  const given = process.env.BENCH_COMMAND;
  const command =
    given ?? ['node', ...process.argv.slice(1).map((arg) => relative(root, arg) || arg)].map(quote).join(' ');
  const settings = Object.entries(process.env)
    .filter(([key]) => key.startsWith('BENCH_') && key !== 'BENCH_COMMAND')
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => `${key}=${quote(value ?? '')}`);
  return [...settings, command].join(' ');
}

/** Prints the table and appends the dated entry to BENCHMARKS.md, unless BENCH_RECORD=0 (trial runs). */
export function report(entry: Entry): void {
  const table = formatTable(entry.table);
  const notes = entry.notes ?? [];
  console.log(`\n${table}`);
  for (const note of notes) console.log(note);
  if (process.env.BENCH_RECORD === '0') {
    console.log('\nBENCH_RECORD=0: not appended to BENCHMARKS.md');
    return;
  }
  const date = new Date()
    .toISOString()
    .replace('T', ' ')
    .replace(/:\d\d\.\d+Z$/, ' UTC');
  const block = [
    `### ${entry.name} · ${date}`,
    '',
    `- machine: ${machine()}`,
    `- command: \`${benchCommand()}\``,
    '',
    table,
    ...(notes.length > 0 ? ['', ...notes.map((note) => `- ${note}`)] : []),
    '',
  ].join('\n');
  appendFileSync(benchmarksFile, `${existsSync(benchmarksFile) ? '\n' : ''}${block}`);
  console.log(`\nappended to ${relative(root, benchmarksFile)}`);
}

/** Smallest, middle and largest of some per-slice figures: the spread a noisy shared machine leaves. */
export function spread(values: readonly number[]): { min: number; median: number; max: number } {
  if (values.length === 0) return { min: Number.NaN, median: Number.NaN, max: Number.NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { min: sorted[0]!, median, max: sorted[sorted.length - 1]! };
}
