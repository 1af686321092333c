// `orderflow console`: the live web view of the flow (packages/console) against any Kafka and the four services'
// HTTP APIs; `orderflow up` runs it beside the services. This file is the console's main: the only place that
// reads its environment, listens and handles signals.
import { buildConsoleApp, CONSOLE_NAME, SERVICE_NAMES, type ServiceEndpoints } from '@orderflow/console';
import { type Config, ConfigError, createLogger, defineConfig, LOG_LEVELS, loadConfig } from '@orderflow/platform';
import type { DestinationStream } from 'pino';
import { createConsoleKafka } from '../kafka/console-kafka.ts';
import { kafkaClientSettings } from '../kafka/kafka-client-options.ts';
import { parseCommandArgs } from '../parse-command-args.ts';
import { serviceDefinitions } from '../services.ts';
import { onShutdownSignals } from '../shutdown-signals.ts';
import { UsageError } from '../usage-error.ts';

export const DEFAULT_CONSOLE_PORT = 8080;

/** The variable naming each service's base URL: ORDER_SERVICE_URL, … */
export function serviceUrlVariable(service: string): string {
  return `${service.toUpperCase().replace(/-/g, '_')}_URL`;
}

const defaultUrl = (service: string) =>
  `http://127.0.0.1:${serviceDefinitions.find((s) => s.name === service)?.defaultPort ?? 0}`;

export const consoleHelp = `Usage: orderflow console

Serves the live web view of the flow on http://127.0.0.1:${DEFAULT_CONSOLE_PORT}: topology with rates and health, consumer
groups with lag over the last 10 minutes, latest orders and which groups processed them, stock, analytics, dead
letters with redrive, and a form to place an order. It polls Kafka and the services once a second and pushes
changes to the page by Server-Sent Events (GET /events).

Options:
  -h, --help   show this help

Environment:
  CONSOLE_PORT            port to listen on (default ${DEFAULT_CONSOLE_PORT}; 0 picks a free one)
  HOST                    address to listen on (default 127.0.0.1)
  KAFKA_BROKERS           the Kafka to watch (default 127.0.0.1:9092); KAFKA_SASL_*, KAFKA_TLS as for the services
${SERVICE_NAMES.map((name) => `  ${serviceUrlVariable(name).padEnd(24)}${name} (default ${defaultUrl(name)})`).join('\n')}
  LOG_LEVEL               info (default), debug, warn, …`;

const consoleConfigSpec = defineConfig({
  CONSOLE_PORT: { type: 'int', default: DEFAULT_CONSOLE_PORT, min: 0, max: 65535 },
  HOST: { type: 'string', default: '127.0.0.1' },
  LOG_LEVEL: { type: 'enum', values: LOG_LEVELS, default: 'info' },
  ORDER_SERVICE_URL: { type: 'url', default: defaultUrl('order-service'), protocols: ['http', 'https'] },
  STOCK_SERVICE_URL: { type: 'url', default: defaultUrl('stock-service'), protocols: ['http', 'https'] },
  NOTIFICATION_SERVICE_URL: { type: 'url', default: defaultUrl('notification-service'), protocols: ['http', 'https'] },
  ANALYTICS_SERVICE_URL: { type: 'url', default: defaultUrl('analytics-service'), protocols: ['http', 'https'] },
});

export interface RunningConsole {
  /** http://host:port it listens on. */
  readonly url: string;
  close(): Promise<void>;
}

export interface StartConsoleOptions {
  readonly env: NodeJS.ProcessEnv;
  /** Where its log lines go; stdout unless `orderflow up` interleaves them with the services' lines. */
  readonly destination?: DestinationStream;
}

/**
 * Builds the console from the environment and listens. `orderflow up` calls this in its own process rather than
 * starting a child: the launcher has Node, Fastify and the Kafka client loaded already, so the console adds only
 * its own state to the stack (docs/console.md has the measurement); a process of its own would cost another ~140 MB.
 */
export async function startConsole(options: StartConsoleOptions): Promise<RunningConsole> {
  const { env } = options;
  let config: Config<typeof consoleConfigSpec>;
  try {
    config = loadConfig(consoleConfigSpec, env);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(`orderflow console: ${error.message}`);
    throw error;
  }
  const settings = kafkaClientSettings('console', env);
  const trimmed = (url: string) => url.replace(/\/+$/, '');
  const services: ServiceEndpoints = {
    'order-service': trimmed(config.ORDER_SERVICE_URL),
    'stock-service': trimmed(config.STOCK_SERVICE_URL),
    'notification-service': trimmed(config.NOTIFICATION_SERVICE_URL),
    'analytics-service': trimmed(config.ANALYTICS_SERVICE_URL),
  };
  const log = createLogger({
    name: CONSOLE_NAME,
    level: config.LOG_LEVEL,
    ...(options.destination === undefined ? {} : { destination: options.destination }),
  });
  const kafka = createConsoleKafka(settings);
  const { app } = buildConsoleApp({ log, kafka, services, redrive: kafka });
  let url: string;
  try {
    url = await app.listen({ port: config.CONSOLE_PORT, host: config.HOST });
  } catch (error) {
    await kafka.close();
    throw new Error(`console could not listen on ${config.HOST}:${config.CONSOLE_PORT}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  log.info({ url, kafka: settings.brokers, services }, 'console listening');
  return {
    url,
    async close() {
      await app.close();
      await kafka.close();
    },
  };
}

export async function consoleCommand(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values } = parseCommandArgs('console', args, { help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    console.log(consoleHelp);
    return 0;
  }
  const running = await startConsole({ env });
  console.error(`orderflow console: ${running.url} (Ctrl-C to stop)`);
  const code = await new Promise<number>((resolve) => {
    const signals = onShutdownSignals({
      stop() {
        void running
          .close()
          .then(() => signals.release())
          .then(() => resolve(0));
      },
      force() {
        resolve(130);
      },
    });
  });
  return code;
}
