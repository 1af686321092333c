// Command-line options of the broker, shared by `orderflow-broker` and `orderflow broker`. Parsing is node's
// util.parseArgs; this file only declares the options and turns their strings into a validated config.
import { parseArgs } from 'node:util';
import { type BrokerConfig, defaultBrokerConfig, type FsyncPolicy } from './broker-config.ts';

export class BrokerOptionError extends Error {
  readonly code = 'ERR_BROKER_OPTION';
}

export const brokerOptionsHelp = `Options:
  --port <n>                 port to listen on (default ${defaultBrokerConfig.port}; 0 picks a free one)
  --host <addr>              interface to bind (default ${defaultBrokerConfig.host})
  --advertised-host <host>   host announced to clients in Metadata (default: 127.0.0.1, or --host if it is specific)
  --advertised-port <n>      port announced to clients in Metadata (default: the port bound)
  --data-dir <path>          where logs, offsets and metadata live (default ${defaultBrokerConfig.dataDir})
  --fsync <policy>           always | batch | never (default ${defaultBrokerConfig.fsync})
  --partitions <n>           partitions of auto-created topics (default ${defaultBrokerConfig.defaultPartitions})
  --no-auto-create-topics    refuse produce/metadata for unknown topics
  --max-request-bytes <n>    largest request frame accepted (default ${defaultBrokerConfig.maxRequestBytes})
  --max-message-bytes <n>    largest record batch accepted (default ${defaultBrokerConfig.maxMessageBytes})
  --retention-ms <n>         default topic retention by time, -1 forever (default ${defaultBrokerConfig.retentionMs})
  --retention-bytes <n>      default topic retention by size per partition, -1 unlimited (default -1)
  --log-level <level>        trace | debug | info | warn | error (default info)
  -h, --help                 show this help`;

const optionSpec = {
  port: { type: 'string' },
  host: { type: 'string' },
  'advertised-host': { type: 'string' },
  'advertised-port': { type: 'string' },
  'data-dir': { type: 'string' },
  fsync: { type: 'string' },
  partitions: { type: 'string' },
  'auto-create-topics': { type: 'boolean' },
  'no-auto-create-topics': { type: 'boolean' },
  'max-request-bytes': { type: 'string' },
  'max-message-bytes': { type: 'string' },
  'retention-ms': { type: 'string' },
  'retention-bytes': { type: 'string' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface ParsedBrokerOptions {
  readonly help: boolean;
  readonly logLevel: string;
  readonly config: Partial<BrokerConfig>;
}

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];
const FSYNC_POLICIES: readonly FsyncPolicy[] = ['always', 'batch', 'never'];

export function parseBrokerOptions(args: readonly string[]): ParsedBrokerOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: [...args], options: optionSpec, allowPositionals: false, strict: true }));
  } catch (error) {
    throw new BrokerOptionError((error as Error).message);
  }
  const integer = (name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined => {
    const raw = values[name];
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new BrokerOptionError(`--${name} must be an integer from ${min} to ${max}, got '${raw}'`);
    }
    return value;
  };
  const fsync = values.fsync as string | undefined;
  if (fsync !== undefined && !FSYNC_POLICIES.includes(fsync as FsyncPolicy)) {
    throw new BrokerOptionError(`--fsync must be one of ${FSYNC_POLICIES.join(', ')}, got '${fsync}'`);
  }
  const logLevel = (values['log-level'] as string | undefined) ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new BrokerOptionError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got '${logLevel}'`);
  }
  const host = values.host as string | undefined;
  const advertisedHost =
    (values['advertised-host'] as string | undefined) ??
    (host !== undefined && host !== '0.0.0.0' && host !== '::' ? host : undefined);
  return {
    help: values.help === true,
    logLevel,
    config: {
      port: integer('port', 0, 65535),
      host,
      advertisedHost,
      advertisedPort: integer('advertised-port', 1, 65535),
      dataDir: values['data-dir'] as string | undefined,
      fsync: fsync as FsyncPolicy | undefined,
      defaultPartitions: integer('partitions', 1, 10_000),
      autoCreateTopics: values['no-auto-create-topics'] === true ? false : undefined,
      maxRequestBytes: integer('max-request-bytes', 1024),
      maxMessageBytes: integer('max-message-bytes', 1),
      retentionMs: integer('retention-ms', -1),
      retentionBytes: integer('retention-bytes', -1),
    },
  };
}
