#!/usr/bin/env node
// orderflow-broker: the embedded broker as a process. SIGTERM or SIGINT closes the listener, finishes the requests
// in flight, flushes the logs and exits 0; a second signal exits at once.
import pino from 'pino';
import { startBroker } from './broker.ts';
import { type BrokerOptionError, brokerOptionsHelp, parseBrokerOptions } from './broker-options.ts';

let parsed: ReturnType<typeof parseBrokerOptions>;
try {
  parsed = parseBrokerOptions(process.argv.slice(2));
} catch (error) {
  if ((error as BrokerOptionError).code !== 'ERR_BROKER_OPTION') throw error;
  console.error(`orderflow-broker: ${(error as Error).message} (see --help)`);
  process.exit(2);
}
if (parsed.help) {
  console.log(
    `Usage: orderflow-broker [options]\n\nA single-node, durable, Kafka-wire-compatible broker.\n\n${brokerOptionsHelp}`,
  );
  process.exit(0);
}

const log = pino({ name: 'broker', level: parsed.logLevel });
const broker = await startBroker({ ...parsed.config, log });

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info({ signal }, 'shutting down');
    broker.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
