// Interleaves the children's logs on our stdout. In a terminal each line is pretty-printed by pino-pretty behind a
// coloured `[order]`-style prefix; with --json, or when stdout is not a terminal, the children's JSON lines pass
// through untouched (they already carry the service name), so the stream stays machine-readable.

import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { prettyFactory } from 'pino-pretty';

export interface LogOutput {
  /** Forwards every line of a child's output stream. */
  attach(label: string, colour: number, stream: Readable): void;
  /** The launcher's own messages. */
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  /** Plain text for a person (the summary); in JSON mode it becomes one JSON line. */
  banner(text: string, fields: Record<string, unknown>): void;
}

const LEVELS = { info: 30, warn: 40 } as const;

export function createLogOutput(
  json: boolean,
  write: (line: string) => void = (line) => process.stdout.write(line),
): LogOutput {
  const pretty = json
    ? undefined
    : prettyFactory({ colorize: true, ignore: 'pid,hostname,name', translateTime: 'HH:MM:ss.l' });
  const prefix = (label: string, colour: number) => (json ? '' : `\x1b[${colour}m[${label}]\x1b[0m `);

  const own = (level: keyof typeof LEVELS, message: string, fields: Record<string, unknown> = {}) => {
    if (json) {
      write(
        `${JSON.stringify({ level: LEVELS[level], time: Date.now(), name: 'orderflow', ...fields, msg: message })}\n`,
      );
    } else {
      const details = Object.entries(fields)
        .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
        .join(' ');
      const colour = level === 'warn' ? 31 : 1;
      write(`${prefix('orderflow', colour)}${message}${details ? ` ${details}` : ''}\n`);
    }
  };

  return {
    attach(label, colour, stream) {
      const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
      lines.on('line', (line) => {
        if (line.length === 0) return;
        const isJson = line.startsWith('{');
        if (json) {
          write(isJson ? `${line}\n` : `${JSON.stringify({ level: 40, time: Date.now(), name: label, msg: line })}\n`);
          return;
        }
        let text = line;
        if (isJson && pretty !== undefined) {
          try {
            text = pretty(line).trimEnd();
          } catch {
            text = line;
          }
        }
        write(`${prefix(label, colour)}${text}\n`);
      });
    },
    info: (message, fields) => own('info', message, fields),
    warn: (message, fields) => own('warn', message, fields),
    banner(text, fields) {
      if (json) own('info', 'orderflow is up', fields);
      else write(`${text}\n`);
    },
  };
}
