// `orderflow up` (what `npm start` runs): the whole system on one machine. Starts our broker unless Kafka is
// configured, then the four services as child processes, waits until every one is ready, and prints where
// everything is. A crashing service is restarted while the others keep running; Ctrl-C or SIGTERM stops all of
// them gracefully and exits 0, a second Ctrl-C kills them at once. The web console runs in this process (see
// startConsole for why) on 127.0.0.1:8080.
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { redactUrl } from '@orderflow/platform';
import { adminTokenPath, loadOrCreateAdminToken } from '../launcher/admin-token.ts';
import { createLogOutput, type LogOutput } from '../launcher/log-output.ts';
import { assertPortsFree, type PortClaim } from '../launcher/port-check.ts';
import { ProcessRegistry } from '../launcher/process-registry.ts';
import { SupervisedProcess } from '../launcher/supervised-process.ts';
import { waitUntilHttpReady, waitUntilTcpReady } from '../launcher/wait-until-ready.ts';
import { parseCommandArgs } from '../parse-command-args.ts';
import {
  BROKER_PORT_VARIABLE,
  brokerEntry,
  DEFAULT_BROKER_PORT,
  findService,
  type ServiceDefinition,
  serviceDefinitions,
} from '../services.ts';
import { onShutdownSignals } from '../shutdown-signals.ts';
import { UsageError } from '../usage-error.ts';
import { DEFAULT_CONSOLE_PORT, type RunningConsole, serviceUrlVariable, startConsole } from './console.ts';

export const upHelp = `Usage: orderflow up [--only <services>] [--no-broker] [--no-console] [--json]

Runs the broker (unless KAFKA_BROKERS is set or --no-broker is given), the four services and the web console.

Options:
  --only <list>   comma-separated services to run, e.g. stock-service,analytics-service
  --no-broker     do not start the embedded broker; use KAFKA_BROKERS (default 127.0.0.1:9092)
  --no-console    do not serve the web console
  --json          JSON log lines instead of pretty output (the default when stdout is not a terminal)
  -h, --help      show this help

Environment (passed on to every service as well):
  KAFKA_BROKERS           use this Kafka instead of the embedded broker
  REDIS_URL               use Redis instead of the embedded SQLite files
  ORDERFLOW_DATA_DIR      where the broker and SQLite keep data (default .orderflow/)
  ADMIN_TOKEN             admin token of stock-service and analytics-service (generated per data
                          directory when unset)
  ${BROKER_PORT_VARIABLE}   embedded broker port (default ${DEFAULT_BROKER_PORT})
  ORDER_SERVICE_PORT, STOCK_SERVICE_PORT, NOTIFICATION_SERVICE_PORT, ANALYTICS_SERVICE_PORT  (8081-8084)
  CONSOLE_PORT            web console port (default ${DEFAULT_CONSOLE_PORT})

While it runs, <ORDERFLOW_DATA_DIR>/processes/ holds one JSON file per child ({"pid", "ready"}, rewritten at each
restart) and launcher.json; orderflow load --faults finds the processes it kills there. Removed when up stops.`;

const READY_TIMEOUT_MS = 90_000;
const SERVICE_STOP_GRACE_MS = 12_000;
const BROKER_STOP_GRACE_MS = 10_000;

interface Plan {
  readonly services: readonly { definition: ServiceDefinition; port: number }[];
  readonly broker: { port: number; dataDir: string } | undefined;
  readonly console: { port: number } | undefined;
  readonly kafkaBrokers: string;
  readonly dataDir: string;
  readonly host: string;
  readonly json: boolean;
}

export async function up(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values } = parseCommandArgs('up', args, {
    only: { type: 'string' },
    'no-broker': { type: 'boolean' },
    'no-console': { type: 'boolean' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(upHelp);
    return 0;
  }
  const plan = makePlan(values, env);
  const output = createLogOutput(plan.json);
  const adminToken = env.ADMIN_TOKEN ?? loadOrCreateAdminToken(plan.dataDir);

  const claims: PortClaim[] = plan.services.map(({ definition, port }) => ({
    port,
    host: plan.host,
    owner: definition.name,
    variable: definition.portVariable,
  }));
  if (plan.broker) {
    claims.unshift({
      port: plan.broker.port,
      host: '127.0.0.1',
      owner: 'embedded broker',
      variable: BROKER_PORT_VARIABLE,
    });
  }
  if (plan.console) {
    claims.push({ port: plan.console.port, host: plan.host, owner: 'console', variable: 'CONSOLE_PORT' });
  }
  await assertPortsFree(claims);
  const registry = new ProcessRegistry(plan.dataDir);
  registry.open(process.pid);

  const processes: SupervisedProcess[] = [];
  let webConsole: RunningConsole | undefined;
  const aborted = new AbortController();
  let stopping: Promise<void> | undefined;
  const stopAll = (broker: SupervisedProcess | undefined) => {
    stopping ??= (async () => {
      aborted.abort();
      // The console first: its open event streams would otherwise watch the services go down one by one.
      await webConsole?.close().catch((error: unknown) => output.warn(`console: ${(error as Error).message}`));
      output.info('stopping services');
      // Services first, so they can commit their offsets and leave their groups while the broker is still there.
      await Promise.all(processes.filter((p) => p !== broker).map((p) => p.stop(SERVICE_STOP_GRACE_MS)));
      await broker?.stop(BROKER_STOP_GRACE_MS);
      registry.close();
      output.info('stopped');
    })();
    return stopping;
  };

  let brokerProcess: SupervisedProcess | undefined;
  const exitCode = new Promise<number>((resolveExit) => {
    const signals = onShutdownSignals({
      stop(signal) {
        output.info('shutting down (press Ctrl-C again to force)', { signal });
        stopAll(brokerProcess)
          .then(() => signals.release())
          .then(() => resolveExit(0));
      },
      force(signal) {
        output.warn('second signal: killing everything now', { signal });
        for (const child of processes) child.kill();
        resolveExit(130);
      },
    });
  });
  // The children live in process groups of their own, so nothing else would stop them if the launcher ended
  // without going through stopAll (an uncaught error): kill whatever is still running on the way out.
  process.once('exit', () => {
    for (const child of processes) child.kill();
    registry.close();
  });

  try {
    if (plan.broker) {
      brokerProcess = new SupervisedProcess({
        name: 'broker',
        label: 'broker',
        colour: 34,
        args: [brokerEntry, '--port', String(plan.broker.port), '--data-dir', plan.broker.dataDir],
        env: { ...env },
        output,
        onSpawn: (pid) => registry.record({ name: 'broker', pid, ready: { kafka: plan.kafkaBrokers } }),
      });
      processes.push(brokerProcess);
      brokerProcess.start();
      await waitUntilTcpReady('127.0.0.1', plan.broker.port, READY_TIMEOUT_MS, aborted.signal);
    }
    for (const { definition, port } of plan.services) {
      const child = new SupervisedProcess({
        name: definition.name,
        label: definition.label,
        colour: definition.colour,
        args: [definition.entry],
        env: {
          ...env,
          PORT: String(port),
          HOST: plan.host,
          KAFKA_BROKERS: plan.kafkaBrokers,
          ORDERFLOW_DATA_DIR: plan.dataDir,
          ADMIN_TOKEN: adminToken,
        },
        output,
        onSpawn: (pid) =>
          registry.record({ name: definition.name, pid, ready: { http: `http://127.0.0.1:${port}/health/ready` } }),
      });
      processes.push(child);
      child.start();
    }
    if (plan.console) webConsole = await startConsole(consoleStart(plan, plan.console.port, env, output));
    await Promise.all(
      plan.services.map(({ port }) =>
        waitUntilHttpReady(`http://127.0.0.1:${port}/health/ready`, READY_TIMEOUT_MS, aborted.signal),
      ),
    );
    printSummary(output, plan, adminToken, env);
  } catch (error) {
    if (aborted.signal.aborted) return exitCode;
    output.warn(`startup failed: ${(error as Error).message}`);
    await stopAll(brokerProcess);
    return 1;
  }
  return exitCode;
}

/** The console watches the Kafka and the service ports of this plan; its log lines join the others as [console]. */
function consoleStart(plan: Plan, port: number, env: NodeJS.ProcessEnv, output: LogOutput) {
  const lines = new PassThrough();
  output.attach('console', 94, lines);
  const urls = Object.fromEntries(
    serviceDefinitions.map((definition) => [
      serviceUrlVariable(definition.name),
      `http://127.0.0.1:${portFrom(env, definition.portVariable, definition.defaultPort)}`,
    ]),
  );
  return {
    env: { ...env, ...urls, KAFKA_BROKERS: plan.kafkaBrokers, CONSOLE_PORT: String(port), HOST: plan.host },
    destination: lines,
  };
}

function makePlan(
  values: { only?: string; 'no-broker'?: boolean; 'no-console'?: boolean; json?: boolean },
  env: NodeJS.ProcessEnv,
): Plan {
  const dataDir = resolve(env.ORDERFLOW_DATA_DIR ?? '.orderflow');
  const selected =
    values.only === undefined
      ? serviceDefinitions
      : values.only.split(',').map((name) => {
          const service = findService(name.trim());
          if (service === undefined) {
            const known = serviceDefinitions.map((s) => s.name).join(', ');
            throw new UsageError(`orderflow up: unknown service '${name.trim()}' in --only (known: ${known})`);
          }
          return service;
        });
  const services = selected.map((definition) => ({
    definition,
    port: portFrom(env, definition.portVariable, definition.defaultPort),
  }));
  const externalKafka = env.KAFKA_BROKERS !== undefined && env.KAFKA_BROKERS !== '';
  const brokerPort = portFrom(env, BROKER_PORT_VARIABLE, DEFAULT_BROKER_PORT);
  const startBroker = !externalKafka && values['no-broker'] !== true;
  return {
    services,
    broker: startBroker ? { port: brokerPort, dataDir: join(dataDir, 'broker') } : undefined,
    console: values['no-console'] === true ? undefined : { port: portFrom(env, 'CONSOLE_PORT', DEFAULT_CONSOLE_PORT) },
    kafkaBrokers: externalKafka ? env.KAFKA_BROKERS! : `127.0.0.1:${brokerPort}`,
    dataDir,
    // On a laptop the services stay private to it unless HOST says otherwise.
    host: env.HOST ?? '127.0.0.1',
    json: values.json === true || !process.stdout.isTTY,
  };
}

function portFrom(env: NodeJS.ProcessEnv, variable: string, fallback: number): number {
  const raw = env[variable];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UsageError(`orderflow up: ${variable} must be a port from 1 to 65535, got '${raw}'`);
  }
  return port;
}

function printSummary(output: LogOutput, plan: Plan, adminToken: string, env: NodeJS.ProcessEnv): void {
  const consoleUrl = plan.console ? `http://127.0.0.1:${plan.console.port}` : undefined;
  const urls = Object.fromEntries([
    ...plan.services.map(({ definition, port }) => [definition.name, `http://127.0.0.1:${port}`]),
    ...(consoleUrl === undefined ? [] : [['console', consoleUrl]]),
  ]);
  const kafka = plan.broker
    ? `embedded broker at ${plan.kafkaBrokers} (data in ${plan.broker.dataDir})`
    : `Kafka at ${plan.kafkaBrokers}`;
  const store = env.REDIS_URL ? `Redis at ${redactUrl(env.REDIS_URL)}` : `SQLite files in ${plan.dataDir}`;
  const order = plan.services.find(({ definition }) => definition.name === 'order-service');
  const lines = [
    '',
    '\x1b[1morderflow is up\x1b[0m',
    ...plan.services.map(({ definition, port }) => `  ${definition.name.padEnd(22)} http://127.0.0.1:${port}`),
    ...(consoleUrl === undefined ? [] : [`  ${'Console'.padEnd(22)} ${consoleUrl}  (open it in a browser)`]),
    `  ${'Kafka'.padEnd(22)} ${kafka}`,
    `  ${'Store'.padEnd(22)} ${store}`,
    `  ${'Admin token'.padEnd(22)} ${env.ADMIN_TOKEN ? '(from ADMIN_TOKEN)' : `${adminToken}  (saved in ${adminTokenPath(plan.dataDir)})`}`,
  ];
  if (order) {
    lines.push(
      '',
      'Place a first order:',
      `  curl -i -X POST http://127.0.0.1:${order.port}/orders -H 'content-type: application/json' -d '{"orderId":"1","productId":"A001","quantity":2}'`,
      `  curl http://127.0.0.1:${order.port}/orders/1`,
      'Watch the events:  npx orderflow tail order-topic --from-beginning',
    );
  }
  lines.push('Stop: Ctrl-C', '');
  // JSON lines end up in log files and collectors: they name the token's file, not the token.
  const adminTokenSource = env.ADMIN_TOKEN ? 'ADMIN_TOKEN' : adminTokenPath(plan.dataDir);
  output.banner(lines.join('\n'), { urls, kafka, store, adminTokenSource });
}
