// Shared by the apis-admin tests: a handler context over a real LogManager in a temporary directory (cleaned up after
// the test, files before directories), a call that passes request and response through the generated codecs at one
// version (so a value a version cannot carry fails here, as it would on the wire), and a real broker on port 0 for
// the client tests.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import pino from 'pino';
import type { ApiHandler, BrokerState, RequestContext } from '../src/apis/api-handler.ts';
import { type RunningBroker, startBroker } from '../src/broker.ts';
import { type BrokerConfig, defaultBrokerConfig } from '../src/broker-config.ts';
import { GroupCoordinator } from '../src/groups/group-coordinator.ts';
import { apiDescriptors } from '../src/protocol/generated/index.ts';
import { Reader } from '../src/protocol/reader.ts';
import { Writer } from '../src/protocol/writer.ts';
import { LogManager } from '../src/storage/log-manager.ts';
import { defer, temporaryDirectory } from './storage-support.ts';

export { temporaryDirectory };

export const silentLog = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
export const NODE_ID = 7;
export const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

export interface HandlerContext extends RequestContext {
  readonly dataDir: string;
}

/** A context whose LogManager (in `dataDir`, a new temporary directory unless given) closes when the test ends. */
export function openContext(
  t: TestContext,
  options: { config?: Partial<BrokerConfig>; dataDir?: string } = {},
): HandlerContext {
  const dataDir = options.dataDir ?? temporaryDirectory(t);
  const config: BrokerConfig = { ...defaultBrokerConfig, nodeId: NODE_ID, dataDir, ...options.config };
  const logs = LogManager.open({
    dataDir,
    fsync: 'never',
    defaultPartitions: config.defaultPartitions,
    retentionMs: config.retentionMs,
    retentionBytes: config.retentionBytes,
    segmentBytes: config.segmentBytes,
    log: silentLog,
  });
  const groups = GroupCoordinator.open({ dataDir, log: silentLog, initialRebalanceDelayMs: 0 });
  defer(t, () => logs.close());
  defer(t, () => groups.close());
  const broker: BrokerState = {
    nodeId: NODE_ID,
    clusterId: 'admin-apis-cluster',
    host: 'broker.test',
    port: 19092,
    logs,
    groups,
    config,
    log: silentLog,
    closing: new AbortController().signal,
  };
  return { broker, clientId: 'admin-test', clientHost: '/127.0.0.1', connectionId: 1, log: silentLog, dataDir };
}

/** Sends `request` through the codecs at `version`, handles it, and returns the response as a client decodes it. */
export async function call<Request, Response>(
  context: RequestContext,
  handler: ApiHandler<Request, Response>,
  version: number,
  request: Request,
): Promise<Response> {
  assert.ok(version >= handler.minVersion && version <= handler.maxVersion, `version ${version} is served`);
  const api = apiDescriptors.get(handler.apiKey);
  assert.ok(api !== undefined, `codec for API ${handler.apiKey}`);
  const requestBytes = new Writer();
  api.encodeRequest(requestBytes, version, request);
  const decodedRequest = api.decodeRequest(new Reader(requestBytes.toBuffer()), version) as Request;
  const response = await handler.handle(context, decodedRequest, version);
  assert.ok(response !== null, 'a response is sent');
  const responseBytes = new Writer();
  api.encodeResponse(responseBytes, version, response);
  return api.decodeResponse(new Reader(responseBytes.toBuffer()), version) as Response;
}

/** Every version `handler` serves. */
export function versionsOf(handler: ApiHandler<never, unknown>): number[] {
  const versions: number[] = [];
  for (let version = handler.minVersion; version <= handler.maxVersion; version++) versions.push(version);
  return versions;
}

/** A real broker on port 0 in a temporary directory, closed when the test ends. */
export async function startTestBroker(t: TestContext, options: Partial<BrokerConfig> = {}): Promise<RunningBroker> {
  const dataDir = options.dataDir ?? temporaryDirectory(t);
  const broker = await startBroker({ port: 0, fsync: 'never', ...options, dataDir, log: silentLog });
  defer(t, () => broker.close());
  return broker;
}
