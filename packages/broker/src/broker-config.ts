// The broker's settings, with the defaults a single-node development broker wants. The CLI and startBroker() both
// resolve user options into this frozen shape; nothing below them reads the environment.
export type FsyncPolicy = 'always' | 'batch' | 'never';

export interface BrokerConfig {
  /** Interface to bind; 127.0.0.1 by default so a dev broker is not exposed on the network. */
  readonly host: string;
  /** Port to bind; 0 picks a free one. */
  readonly port: number;
  /** Host advertised in Metadata and FindCoordinator; an IPv4 address unless set (e.g. a container's hostname). */
  readonly advertisedHost: string;
  /**
   * Port advertised in Metadata and FindCoordinator; 0 (the default) advertises the port actually bound. Set it when
   * clients reach the broker through a port mapping or a proxy.
   */
  readonly advertisedPort: number;
  readonly dataDir: string;
  readonly nodeId: number;
  readonly fsync: FsyncPolicy;
  readonly autoCreateTopics: boolean;
  readonly defaultPartitions: number;
  /** Frames larger than this close the connection (Kafka's socket.request.max.bytes). */
  readonly maxRequestBytes: number;
  /** Batches larger than this get MESSAGE_TOO_LARGE (Kafka's message.max.bytes). */
  readonly maxMessageBytes: number;
  readonly segmentBytes: number;
  readonly retentionMs: number;
  readonly retentionBytes: number;
  /** Kafka's group.initial.rebalance.delay.ms: how long an empty group waits for more members on first join. */
  readonly groupInitialRebalanceDelayMs: number;
  readonly groupMinSessionTimeoutMs: number;
  readonly groupMaxSessionTimeoutMs: number;
}

export const defaultBrokerConfig: BrokerConfig = Object.freeze({
  host: '127.0.0.1',
  port: 9092,
  advertisedHost: '127.0.0.1',
  advertisedPort: 0,
  dataDir: '.orderflow/broker',
  nodeId: 1,
  fsync: 'batch',
  autoCreateTopics: true,
  defaultPartitions: 3,
  maxRequestBytes: 100 * 1024 * 1024,
  maxMessageBytes: 1024 * 1024,
  segmentBytes: 64 * 1024 * 1024,
  retentionMs: 7 * 24 * 60 * 60 * 1000,
  retentionBytes: -1,
  groupInitialRebalanceDelayMs: 100,
  groupMinSessionTimeoutMs: 6000,
  groupMaxSessionTimeoutMs: 1_800_000,
});
