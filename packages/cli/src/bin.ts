#!/usr/bin/env node
// The `orderflow` command: one subcommand per file in ./commands. Usage errors print one line and exit 2.
import { UsageError } from './usage-error.ts';

interface CommandModule {
  readonly help: string;
  run(args: readonly string[]): Promise<number>;
}

interface Command {
  readonly summary: string;
  /** Imported on use: the commands' dependencies (Kafka client, platform, broker) cost a second to load together. */
  module(): Promise<CommandModule>;
}

const commands: Record<string, Command> = {
  up: {
    summary: 'run the broker and the four services (what npm start runs)',
    module: () => import('./commands/up.ts').then((m) => ({ help: m.upHelp, run: m.up })),
  },
  broker: {
    summary: 'run only the embedded Kafka-compatible broker',
    module: () => import('./commands/broker.ts').then((m) => ({ help: m.brokerHelp, run: m.broker })),
  },
  tail: {
    summary: 'print the records of a topic as JSON lines (a console consumer)',
    module: () => import('./commands/tail.ts').then((m) => ({ help: m.tailHelp, run: m.tail })),
  },
  topics: {
    summary: 'list topics with their partitions and offsets',
    module: () => import('./commands/topics.ts').then((m) => ({ help: m.topicsHelp, run: m.topics })),
  },
  groups: {
    summary: 'list consumer groups with members, assignments and lag',
    module: () => import('./commands/groups.ts').then((m) => ({ help: m.groupsHelp, run: m.groups })),
  },
  'reset-offsets': {
    summary: "rewind or fast-forward a stopped consumer group's offsets (replay)",
    module: () =>
      import('./commands/reset-offsets.ts').then((m) => ({ help: m.resetOffsetsHelp, run: m.resetOffsets })),
  },
  rebuild: {
    summary: "recount analytics-service's statistics from the events in Kafka",
    module: () => import('./commands/rebuild.ts').then((m) => ({ help: m.rebuildHelp, run: m.rebuild })),
  },
  dlq: {
    summary: 'list, show and redrive dead letters',
    module: () => import('./commands/dlq.ts').then((m) => ({ help: m.dlqHelp, run: m.dlq })),
  },
  trace: {
    summary: "show one order's events and how far each consumer group got with them",
    module: () => import('./commands/trace.ts').then((m) => ({ help: m.traceHelp, run: m.trace })),
  },
  order: {
    summary: 'place one order and follow it to CONFIRMED or REJECTED',
    module: () => import('./commands/order.ts').then((m) => ({ help: m.orderHelp, run: m.order })),
  },
  console: {
    summary: 'serve the live web view of the flow (http://127.0.0.1:8080)',
    module: () => import('./commands/console.ts').then((m) => ({ help: m.consoleHelp, run: m.consoleCommand })),
  },
  load: {
    summary: 'generate order traffic against a running system and check its consistency',
    module: () => import('./commands/load.ts').then((m) => ({ help: m.loadHelp, run: m.load })),
  },
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
  if (name === 'help' && args[0] !== undefined && Object.hasOwn(commands, args[0])) {
    console.log((await commands[args[0]].module()).help);
    return 0;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(mainHelp());
    return 0;
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (command === undefined) throw new UsageError(`orderflow: unknown command '${name}' (see orderflow --help)`);
  return (await command.module()).run(args);
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
