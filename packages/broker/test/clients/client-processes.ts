// Runs the independent Kafka clients of the clients-*.test.ts files as child processes: kcat (librdkafka) and the
// Python helpers in this folder (kafka-python, confluent-kafka). Every helper prints one JSON object per line on
// stdout, so a test reads what a client did rather than scraping its logs. A test's cleanup disposes of the
// long-running ones; runClient() and runKcat() kill a client that overruns its time limit.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { Acknowledgement, Codec, RecordToProduce, WireRecord } from './node-clients.ts';

/** Debian's interpreter, which has python3-kafka and python3-confluent-kafka; `python3` on PATH may not. */
export const PYTHON = '/usr/bin/python3';
export const KCAT = 'kcat';

export function clientScript(name: 'kafka_python_client.py' | 'confluent_client.py'): string {
  return fileURLToPath(new URL(name, import.meta.url));
}

export type JsonLine = Record<string, unknown>;

export class ClientProcessError extends Error {
  readonly code = 'ERR_CLIENT_PROCESS';
}

/**
 * A client process whose stdout is JSON lines. `lines` grows as they arrive; waitFor() resolves on the first line
 * (already seen or still to come) that matches, and rejects when the process exits or the deadline passes first.
 */
export class JsonLineProcess {
  readonly lines: JsonLine[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly #child: ChildProcess;
  readonly #name: string;
  #stderr = '';
  #partial = '';
  #exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  readonly #waiters = new Set<() => void>();

  constructor(command: string, args: readonly string[], options: { name?: string; input?: string } = {}) {
    this.#name = options.name ?? `${command} ${args.join(' ')}`;
    this.#child = spawn(command, args, {
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      // Unbuffered Python: a line printed before a SIGKILL must still reach us.
      env: { ...process.env, PYTHONUNBUFFERED: '1' },
    });
    if (options.input !== undefined) this.#child.stdin!.end(options.input);
    this.#child.stdout!.setEncoding('utf8');
    this.#child.stdout!.on('data', (chunk: string) => this.#onStdout(chunk));
    this.#child.stderr!.setEncoding('utf8');
    this.#child.stderr!.on('data', (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-8000);
    });
    this.exited = new Promise((resolve) => {
      this.#child.once('close', (code, signal) => {
        this.#exit = { code, signal };
        this.#wake();
        resolve({ code, signal });
      });
      this.#child.once('error', (error) => {
        this.#stderr += `\n${error.message}`;
        this.#exit = { code: -1, signal: null };
        this.#wake();
        resolve({ code: -1, signal: null });
      });
    });
  }

  get stderr(): string {
    return this.#stderr;
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.#exit === undefined) this.#child.kill(signal);
  }

  /** Kills the process if it still runs and waits until it is gone. */
  async dispose(): Promise<void> {
    this.kill('SIGKILL');
    await this.exited;
  }

  async waitFor(predicate: (line: JsonLine) => boolean, what: string, timeoutMs = 30_000): Promise<JsonLine> {
    const deadline = Date.now() + timeoutMs;
    let checked = 0;
    for (;;) {
      for (; checked < this.lines.length; checked++) {
        if (predicate(this.lines[checked])) return this.lines[checked];
      }
      if (this.#exit !== undefined) {
        throw new ClientProcessError(
          `${this.#name} exited (${JSON.stringify(this.#exit)}) before ${what}; stderr: ${this.#stderr}`,
        );
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new ClientProcessError(`${this.#name}: no ${what} within ${timeoutMs} ms; stderr: ${this.#stderr}`);
      }
      // Woken by the next line or the exit, whichever comes first, or by the deadline.
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.#waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, remaining);
        this.#waiters.add(done);
      });
    }
  }

  /** Waits for a clean exit (status 0) and returns every line printed. */
  async completed(timeoutMs = 30_000): Promise<JsonLine[]> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const outcome = await Promise.race([this.exited, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      await this.dispose();
      throw new ClientProcessError(`${this.#name} did not finish within ${timeoutMs} ms; stderr: ${this.#stderr}`);
    }
    if (outcome.code !== 0) {
      throw new ClientProcessError(`${this.#name} failed (${JSON.stringify(outcome)}); stderr: ${this.#stderr}`);
    }
    return this.lines;
  }

  #onStdout(chunk: string): void {
    const text = this.#partial + chunk;
    const parts = text.split('\n');
    this.#partial = parts.pop()!;
    for (const part of parts) {
      if (part.trim() === '') continue;
      try {
        this.lines.push(JSON.parse(part) as JsonLine);
      } catch {
        this.#stderr += `\n[unparsable stdout line] ${part}`;
      }
    }
    this.#wake();
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}

/** Runs a client to completion and returns its JSON lines; rejects with its stderr when it fails. */
export async function runClient(
  command: string,
  args: readonly string[],
  options: { input?: string; timeoutMs?: number; name?: string } = {},
): Promise<JsonLine[]> {
  const child = new JsonLineProcess(command, args, options);
  return child.completed(options.timeoutMs);
}

/** Runs kcat and returns its raw stdout; kcat's -J output is one JSON object per line too. */
export async function runKcat(args: readonly string[], input?: string, timeoutMs = 30_000): Promise<string> {
  const child = spawn(KCAT, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  if (input !== undefined) child.stdin!.end(input);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-8000);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  if (code !== 0) {
    throw new ClientProcessError(`kcat ${args.join(' ')} failed (code ${code}, signal ${signal}); stderr: ${stderr}`);
  }
  return stdout;
}

export type PythonClient = 'kafka-python' | 'confluent-kafka';

const scripts: Record<PythonClient, Parameters<typeof clientScript>[0]> = {
  'kafka-python': 'kafka_python_client.py',
  'confluent-kafka': 'confluent_client.py',
};

/** Produces `records` (in order) with a Python client and returns each one's partition and offset. */
export async function pythonProduce(
  client: PythonClient,
  bootstrap: string,
  topic: string,
  records: readonly RecordToProduce[],
  extraArgs: readonly string[] = [],
): Promise<Acknowledgement[]> {
  const input = records.map((record) => JSON.stringify(record)).join('\n');
  const lines = await runClient(PYTHON, [clientScript(scripts[client]), bootstrap, 'produce', topic, ...extraArgs], {
    input: `${input}\n`,
    name: `${client} produce ${topic}`,
  });
  return lines as unknown as Acknowledgement[];
}

/** Reads exactly `count` records with a Python client: from the beginning, or from `--group`'s committed offsets. */
export async function pythonRead(
  client: PythonClient,
  bootstrap: string,
  topic: string,
  count: number,
  extraArgs: readonly string[] = [],
): Promise<(WireRecord & { topic: string })[]> {
  const lines = await runClient(
    PYTHON,
    [clientScript(scripts[client]), bootstrap, 'consume', topic, String(count), ...extraArgs],
    { name: `${client} consume ${topic}` },
  );
  return lines as unknown as (WireRecord & { topic: string })[];
}

/** A record as kcat -J prints it: key and payload as (UTF-8) strings, headers as a flat name, value, … list. */
export interface KcatRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: string | null;
  readonly payload: string | null;
  readonly headers?: readonly (string | null)[];
}

/**
 * Produces text records with kcat, in order. Keys go through the -K delimiter; -H headers apply to a whole kcat run,
 * so each run of consecutive records with the same headers (and the same need for -Z, empty means null, used for
 * records with a null key or value) is one kcat process.
 */
export async function kcatProduce(
  bootstrap: string,
  topic: string,
  records: readonly RecordToProduce[],
  codec: Codec = 'none',
): Promise<void> {
  const text = (value: string | null) => (value === null ? '' : Buffer.from(value, 'hex').toString('utf8'));
  const runs: { args: string[]; lines: string[] }[] = [];
  for (const record of records) {
    const nullable = record.key === null || record.value === null;
    if (nullable && (record.key === '' || record.value === '')) {
      throw new ClientProcessError('kcat cannot send an empty and a null field in one record');
    }
    const line = `${text(record.key)}\t${text(record.value)}`;
    if (line.includes('\n') || text(record.key).includes('\t')) {
      throw new ClientProcessError('kcat reads one record a line, with the key up to the first tab');
    }
    const args = [
      '-p',
      String(record.partition),
      ...(nullable ? ['-Z'] : []),
      ...record.headers.flatMap(([name, value]) => ['-H', `${name}=${text(value)}`]),
    ];
    const last = runs.at(-1);
    if (last !== undefined && last.args.join('\0') === args.join('\0')) last.lines.push(line);
    else runs.push({ args, lines: [line] });
  }
  for (const run of runs) {
    await runKcat(
      ['-P', '-b', bootstrap, '-t', topic, '-K', '\t', '-z', codec, '-X', 'linger.ms=20', ...run.args],
      `${run.lines.join('\n')}\n`,
    );
  }
}

/** Reads every record of `topic` with kcat -J, from the beginning to the end of each partition. */
export async function kcatRead(bootstrap: string, topic: string): Promise<KcatRecord[]> {
  const stdout = await runKcat(['-C', '-b', bootstrap, '-t', topic, '-o', 'beginning', '-e', '-J', '-q']);
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as KcatRecord);
}
