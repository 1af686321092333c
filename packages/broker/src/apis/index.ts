// Every API this broker serves. Only these are advertised by ApiVersions; anything else closes the connection.
// See the package README for what is deliberately not implemented.
import { produceHandler } from './00-produce.ts';
import { fetchHandler } from './01-fetch.ts';
import { listOffsetsHandler } from './02-list-offsets.ts';
import { metadataHandler } from './03-metadata.ts';
import { offsetCommitHandler } from './08-offset-commit.ts';
import { offsetFetchHandler } from './09-offset-fetch.ts';
import { findCoordinatorHandler } from './10-find-coordinator.ts';
import { joinGroupHandler } from './11-join-group.ts';
import { heartbeatHandler } from './12-heartbeat.ts';
import { leaveGroupHandler } from './13-leave-group.ts';
import { syncGroupHandler } from './14-sync-group.ts';
import { describeGroupsHandler } from './15-describe-groups.ts';
import { listGroupsHandler } from './16-list-groups.ts';
import { createApiVersionsHandler } from './18-api-versions.ts';
import { createTopicsHandler } from './19-create-topics.ts';
import { deleteTopicsHandler } from './20-delete-topics.ts';
import { initProducerIdHandler } from './22-init-producer-id.ts';
import { offsetForLeaderEpochHandler } from './23-offset-for-leader-epoch.ts';
import { describeConfigsHandler } from './32-describe-configs.ts';
import { createPartitionsHandler } from './37-create-partitions.ts';
import { deleteGroupsHandler } from './42-delete-groups.ts';
import { describeClusterHandler } from './60-describe-cluster.ts';
import type { ApiHandler } from './api-handler.ts';

// Handlers are typed by their own request and response; the server only passes through what the codec decoded.
type AnyHandler = ApiHandler<unknown, unknown>;

function registry(...handlers: ApiHandler<never, unknown>[]): Map<number, AnyHandler> {
  return new Map(handlers.map((handler) => [handler.apiKey, handler as unknown as AnyHandler]));
}

const dataHandlers = registry(
  produceHandler,
  fetchHandler,
  listOffsetsHandler,
  metadataHandler,
  offsetCommitHandler,
  offsetFetchHandler,
  findCoordinatorHandler,
  joinGroupHandler,
  heartbeatHandler,
  leaveGroupHandler,
  syncGroupHandler,
  describeGroupsHandler,
  listGroupsHandler,
  createTopicsHandler,
  deleteTopicsHandler,
  initProducerIdHandler,
  offsetForLeaderEpochHandler,
  describeConfigsHandler,
  createPartitionsHandler,
  deleteGroupsHandler,
  describeClusterHandler,
);

const apiVersionsHandler = createApiVersionsHandler(
  new Map([...dataHandlers.values(), { apiKey: 18, minVersion: 0, maxVersion: 4 }].map((h) => [h.apiKey, h])),
);

export const handlers: ReadonlyMap<number, AnyHandler> = new Map([
  ...dataHandlers,
  [apiVersionsHandler.apiKey, apiVersionsHandler as unknown as AnyHandler],
]);
