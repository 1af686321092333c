// `orderflow broker`: the embedded broker alone, with the same options as `orderflow-broker`.
import { spawn } from 'node:child_process';
import { brokerOptionsHelp, parseBrokerOptions } from '@orderflow/broker';
import { brokerEntry } from '../services.ts';
import { UsageError } from '../usage-error.ts';

export const brokerHelp = `Usage: orderflow broker [options]

Runs only the embedded Kafka-compatible broker.

${brokerOptionsHelp}`;

export async function broker(args: readonly string[]): Promise<number> {
  try {
    if (parseBrokerOptions(args).help) {
      console.log(brokerHelp);
      return 0;
    }
  } catch (error) {
    throw new UsageError(`orderflow broker: ${(error as Error).message}`);
  }
  // The broker runs as its own process so its signal handling and exit status are exactly those of orderflow-broker.
  const child = spawn(process.execPath, [brokerEntry, ...args], { stdio: 'inherit' });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}
