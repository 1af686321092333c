import { type DestinationStream, type LevelWithSilent, type Logger, pino } from 'pino';

export type { Logger };

export interface LoggerOptions {
  /** The service name, written on every line. */
  readonly name: string;
  readonly level: LevelWithSilent;
  /** Where lines go; stdout unless a test captures them. */
  readonly destination?: DestinationStream;
}

// Credentials must not reach log storage even when a whole request or config object is logged.
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'password',
  '*.password',
  'KAFKA_SASL_PASSWORD',
  '*.KAFKA_SASL_PASSWORD',
];

/**
 * The one place a root logger is made; only a service's main.ts calls it. Everything else receives a logger and
 * narrows it with `log.child({ component: 'stock-consumer' })`.
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      name: options.name,
      level: options.level,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination({ sync: false }),
  );
}
