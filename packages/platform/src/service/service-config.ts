import { ConfigError } from '../config.ts';

/**
 * Runs `load` (loadConfig and whatever else reads the environment) and returns its result; on a ConfigError writes
 * one line, `<service>: <what is wrong>`, to stderr and exits 1 before any logger exists.
 */
export function configOrExit<T>(service: string, load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${service}: ${error.message}\n`);
    process.exit(1);
  }
}
