// The contract between the network layer and the per-API handlers in this folder. A handler gets the decoded request
// and returns the response object to encode, or null when the protocol says no response is sent (Produce acks=0).
// Kafka errors are returned as codes inside the response, never thrown: a thrown error is a broker bug, and the
// server answers it by closing that one connection.
import type { Logger } from 'pino';
import type { BrokerConfig } from '../broker-config.ts';
import type { GroupCoordinator } from '../groups/group-coordinator.ts';
import type { LogManager } from '../storage/log-manager.ts';

export interface BrokerState {
  readonly nodeId: number;
  readonly clusterId: string;
  /** The host clients are told to connect to (Metadata, FindCoordinator). */
  readonly host: string;
  /**
   * The port actually bound (differs from config.port when that was 0). Clients are told config.advertisedPort
   * instead when that is set.
   */
  readonly port: number;
  readonly logs: LogManager;
  readonly groups: GroupCoordinator;
  readonly config: BrokerConfig;
  readonly log: Logger;
  /** Aborted when the broker starts shutting down, so long polls answer at once. */
  readonly closing: AbortSignal;
}

export interface RequestContext {
  readonly broker: BrokerState;
  readonly clientId: string | null;
  /** The client's address as Kafka reports it in DescribeGroups: "/127.0.0.1". */
  readonly clientHost: string;
  readonly connectionId: number;
  readonly log: Logger;
}

export interface ApiHandler<Request, Response> {
  readonly apiKey: number;
  /** The versions this broker serves and advertises; within the JSON definition's validVersions. */
  readonly minVersion: number;
  readonly maxVersion: number;
  handle(context: RequestContext, request: Request, version: number): Response | null | Promise<Response | null>;
}
