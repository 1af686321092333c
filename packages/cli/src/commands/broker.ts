// `orderflow broker`: the embedded broker alone, with the same options as `orderflow-broker`.
import { spawn } from 'node:child_process';
import { brokerOptionsHelp, parseBrokerOptions } from '@orderflow/broker';
import { brokerEntry } from '../services.ts';
import { onShutdownSignals } from '../shutdown-signals.ts';
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
  // It gets a process group of its own and every signal through us: in the terminal's group one Ctrl-C would reach
  // it twice (from the terminal and forwarded by us), and orderflow-broker takes a second signal as "exit now".
  const child = spawn(process.execPath, [brokerEntry, ...args], { stdio: 'inherit', detached: true });
  const signals = onShutdownSignals({
    stop: (signal) => child.kill(signal),
    force: (signal) => child.kill(signal),
  });
  const killLeftover = () => child.kill('SIGKILL');
  process.once('exit', killLeftover);
  try {
    return await new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    });
  } finally {
    await signals.release();
    process.removeListener('exit', killLeftover);
  }
}
