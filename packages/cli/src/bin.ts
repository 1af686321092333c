#!/usr/bin/env node
// The `orderflow` command: one subcommand per file in ./commands. Usage errors print one line and exit 2.
import { broker, brokerHelp } from './commands/broker.ts';
import { up, upHelp } from './commands/up.ts';
import { UsageError } from './usage-error.ts';

interface Command {
  readonly summary: string;
  readonly help: string;
  run(args: readonly string[]): Promise<number>;
}

const commands: Record<string, Command> = {
  up: { summary: 'run the broker and the four services (what npm start runs)', help: upHelp, run: up },
  broker: { summary: 'run only the embedded Kafka-compatible broker', help: brokerHelp, run: broker },
};

function mainHelp(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  return [
    'Usage: orderflow <command> [options]',
    '',
    'Commands:',
    ...Object.entries(commands).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`),
    '',
    "Run 'orderflow <command> --help' for a command's options.",
  ].join('\n');
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(mainHelp());
    return 0;
  }
  const command = commands[name];
  if (command === undefined) throw new UsageError(`orderflow: unknown command '${name}' (see orderflow --help)`);
  return command.run(args);
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if ((error as UsageError).code === 'ERR_USAGE') {
    console.error((error as Error).message);
    process.exitCode = 2;
  } else {
    console.error(`orderflow: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
