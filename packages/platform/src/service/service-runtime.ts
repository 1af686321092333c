import type { DestinationStream } from 'pino';
import type { HttpApp } from '../http/create-http-app.ts';
import type { BrokerCompatibility } from '../kafka/broker-compatibility.ts';
import type { ConsumerRunner } from '../kafka/consumer-runner.ts';
import { createEventProducer, type EventProducer, type EventProducerOptions } from '../kafka/event-producer.ts';
import { type KafkaConnection, kafkaConnectionFromConfig } from '../kafka/kafka-connection.ts';
import { createLogger, type Logger } from '../logger.ts';
import { createMetrics, type Metrics } from '../metrics.ts';
import type { ServiceConfig } from '../shared-config.ts';
import { openStore } from '../stores/open-store.ts';
import type { Store } from '../stores/store.ts';
import { startTelemetry } from '../telemetry/start-telemetry.ts';
import { superviseConsumer, type SupervisedConsumer } from './consumer-supervisor.ts';
import { exitOnStartupFailure, exitOnUncaughtError } from './fatal-exit.ts';
import type { KafkaStatus } from './kafka-status.ts';
import { exitOnShutdownSignals, type ShutdownStep } from './shutdown.ts';

/** The consumer gets most of the shutdown deadline; HTTP, the producer and the store need little. */
export const CONSUMER_SHUTDOWN_MS = 7000;

export interface StartServiceOptions {
  readonly name: string;
  /** The service's loaded config; main.ts loads it (configOrExit), the only place that reads the environment. */
  readonly config: ServiceConfig;
  /** Where log lines go; pino's asynchronous stdout unless the service needs them written synchronously. */
  readonly logDestination?: DestinationStream;
}

/** What a service's `start<Name>Consumer` receives from the runtime, spread into its own options. */
export interface ConsumerStartContext {
  readonly connection: KafkaConnection;
  /** The consumer's component logger. */
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly shutdownTimeoutMs: number;
  readonly brokerCompatibility: BrokerCompatibility;
}

export interface ServiceConsumerOptions {
  /** The consumer's log component (`component: 'order-consumer'`). */
  readonly component: string;
  /** What the "consumer started" line says about it: topics, groupId. */
  readonly describe: Readonly<Record<string, unknown>>;
  start(context: ConsumerStartContext): Promise<ConsumerRunner>;
}

export interface ServiceProducerOptions extends Omit<EventProducerOptions, 'connection' | 'log' | 'metrics'> {
  /** The producer's log component; without it the producer logs as the service. */
  readonly component?: string;
}

/** What stops on SIGTERM, by name: the HTTP server, the consumer, the producer, the store, telemetry. */
export type ShutdownStepName = 'http' | 'consumer' | 'producer' | 'store' | 'telemetry';

export interface ServeOptions {
  /**
   * The order things stop in; names in an inner array stop together. Later ones rely on earlier ones being done: the
   * producer closes once nothing publishes any more, the store once nothing writes.
   */
  readonly shutdownOrder: readonly (ShutdownStepName | readonly ShutdownStepName[])[];
  /** Default SHUTDOWN_DEADLINE_MS. */
  readonly deadlineMs?: number;
}

export interface ServiceRuntime {
  readonly log: Logger;
  readonly metrics: Metrics;
  /** The opened backend (Redis or SQLite); the service builds its own store on it. */
  readonly store: Store;
  readonly connection: KafkaConnection;
  /** Readiness's view of the consumer supervised last. */
  readonly kafka: KafkaStatus;
  /** The service's producer; the `producer` shutdown step closes it. */
  createProducer(options?: ServiceProducerOptions): EventProducer;
  /**
   * Starts the consumer, retried until it joins (superviseConsumer). The `consumer` shutdown step stops the one
   * supervised last: analytics-service's rebuild stops its consumer and supervises a new one.
   */
  superviseConsumer(options: ServiceConsumerOptions): SupervisedConsumer;
  /**
   * Listens on PORT and HOST (exit 1 when it cannot), then stops on SIGTERM or SIGINT in `shutdownOrder` under one
   * deadline. Resolves with the address listened on.
   */
  serve(app: HttpApp, options: ServeOptions): Promise<string>;
}

/**
 * The start-up every service shares, in this order: logger, exit on uncaught errors, telemetry, metrics, the store,
 * the Kafka connection. A failure to start telemetry or open the store is logged as fatal and exits 1.
 */
export async function startService(options: StartServiceOptions): Promise<ServiceRuntime> {
  const { name, config } = options;
  const log = createLogger({
    name,
    level: config.LOG_LEVEL,
    ...(options.logDestination === undefined ? {} : { destination: options.logDestination }),
  });
  exitOnUncaughtError(log, name);
  const telemetry = await startTelemetry(config, { serviceName: name, log }).catch((error: unknown) =>
    exitOnStartupFailure(log, error, 'telemetry could not start'),
  );
  const metrics = createMetrics({ service: name });
  const store = await openStore(config, { log, namespace: name }).catch((error: unknown) =>
    exitOnStartupFailure(log, error, 'store could not be opened'),
  );
  const connection = kafkaConnectionFromConfig(config);
  let producer: EventProducer | undefined;
  let consumer: SupervisedConsumer | undefined;

  const currentConsumer = (): SupervisedConsumer => {
    if (consumer === undefined) throw new Error('no consumer is supervised');
    return consumer;
  };

  return {
    log,
    metrics,
    store,
    connection,
    kafka: {
      ping: () => currentConsumer().status.ping(),
      consumerAssigned: () => currentConsumer().status.consumerAssigned(),
      problem: () => currentConsumer().status.problem?.(),
    },
    createProducer({ component, ...producerOptions } = {}) {
      producer = createEventProducer({
        ...producerOptions,
        connection,
        log: component === undefined ? log : log.child({ component }),
        metrics,
      });
      return producer;
    },
    superviseConsumer({ component, describe, start }) {
      const consumerLog = log.child({ component });
      consumer = superviseConsumer({
        log: consumerLog,
        describe,
        start: (brokerCompatibility) =>
          start({
            connection,
            log: consumerLog,
            metrics,
            shutdownTimeoutMs: CONSUMER_SHUTDOWN_MS,
            brokerCompatibility,
          }),
      });
      return consumer;
    },
    async serve(app, { shutdownOrder, deadlineMs }) {
      const address = await app
        .listen({ port: config.PORT, host: config.HOST })
        .catch((error: unknown) => exitOnStartupFailure(log, error, 'HTTP server could not listen'));
      const steps: Record<ShutdownStepName, ShutdownStep> = {
        http: { name: 'http', run: () => app.close() },
        consumer: { name: 'consumer', run: () => currentConsumer().stop() },
        producer: {
          name: 'producer',
          run: async () => {
            if (producer === undefined) throw new Error('no producer was created');
            await producer.close();
          },
        },
        store: { name: 'store', run: () => store.close() },
        telemetry: { name: 'telemetry', run: () => telemetry.shutdown() },
      };
      exitOnShutdownSignals({
        log,
        steps: shutdownOrder.map((entry) => (typeof entry === 'string' ? steps[entry] : entry.map((n) => steps[n]))),
        ...(deadlineMs === undefined ? {} : { deadlineMs }),
      });
      return address;
    },
  };
}
