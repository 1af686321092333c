// startBroker(): the embedded broker as a library. Opens (and recovers) the data directory, starts the group
// coordinator, binds the port and serves until close(). close() stops accepting connections, answers the requests
// in flight (long polls return at once), then flushes and syncs every log before it resolves.
import { mkdirSync } from 'node:fs';
import type { Logger } from 'pino';
import type { BrokerState } from './apis/api-handler.ts';
import { handlers } from './apis/index.ts';
import { type BrokerConfig, defaultBrokerConfig } from './broker-config.ts';
import { loadOrCreateClusterIdentity } from './cluster-identity.ts';
import { GroupCoordinator } from './groups/group-coordinator.ts';
import { createKafkaServer } from './server.ts';
import { LogManager } from './storage/log-manager.ts';

const RETENTION_CHECK_INTERVAL_MS = 5 * 60 * 1000;

export interface StartBrokerOptions extends Partial<BrokerConfig> {
  readonly log: Logger;
}

export interface RunningBroker {
  /** The port actually bound (useful with port 0). */
  readonly port: number;
  readonly host: string;
  readonly config: BrokerConfig;
  /** `host:port` as a Kafka client's bootstrap servers setting. */
  readonly bootstrap: string;
  close(): Promise<void>;
}

export async function startBroker(options: StartBrokerOptions): Promise<RunningBroker> {
  const { log, ...overrides } = options;
  const config: BrokerConfig = Object.freeze({ ...defaultBrokerConfig, ...definedOnly(overrides) });
  mkdirSync(config.dataDir, { recursive: true });
  const identity = loadOrCreateClusterIdentity(config.dataDir, config.nodeId);
  const logs = LogManager.open({
    dataDir: config.dataDir,
    fsync: config.fsync,
    defaultPartitions: config.defaultPartitions,
    segmentBytes: config.segmentBytes,
    retentionMs: config.retentionMs,
    retentionBytes: config.retentionBytes,
    log: log.child({ component: 'storage' }),
  });
  const groups = GroupCoordinator.open({
    dataDir: config.dataDir,
    log: log.child({ component: 'groups' }),
    initialRebalanceDelayMs: config.groupInitialRebalanceDelayMs,
    minSessionTimeoutMs: config.groupMinSessionTimeoutMs,
    maxSessionTimeoutMs: config.groupMaxSessionTimeoutMs,
  });
  const closing = new AbortController();
  let state: BrokerState | undefined;
  const server = createKafkaServer(() => state!, handlers, log);
  let port: number;
  try {
    port = await server.listen(config.port, config.host);
  } catch (error) {
    groups.close();
    await logs.close();
    throw error;
  }
  state = Object.freeze({
    nodeId: identity.nodeId,
    clusterId: identity.clusterId,
    host: config.advertisedHost,
    port,
    logs,
    groups,
    config,
    log,
    closing: closing.signal,
  });
  const retention = setInterval(() => logs.applyRetention(Date.now()), RETENTION_CHECK_INTERVAL_MS);
  retention.unref();
  log.info(
    { host: config.host, port, advertisedHost: config.advertisedHost, dataDir: config.dataDir },
    'broker listening',
  );

  let closed: Promise<void> | undefined;
  return {
    port,
    host: config.host,
    config,
    bootstrap: `${config.advertisedHost}:${port}`,
    close() {
      closed ??= (async () => {
        clearInterval(retention);
        closing.abort();
        await server.close();
        groups.close();
        await logs.close();
        log.info({ port }, 'broker stopped');
      })();
      return closed;
    },
  };
}

function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}
