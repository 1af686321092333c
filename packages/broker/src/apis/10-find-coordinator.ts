// FindCoordinator (key 10), v0-6. This single node coordinates every consumer group (key type 0), so it always
// answers with its own node id and advertised host and port; v4+ batches several keys (KIP-699) and gets one
// result per key. Transactions are not implemented, so a transaction coordinator lookup (key type 1) gets
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED, which transactional producers treat as fatal instead of retrying forever;
// share groups (key type 2, KIP-932) and unknown key types get INVALID_REQUEST. While the broker shuts down the
// group coordinator is closed and lookups answer COORDINATOR_NOT_AVAILABLE so clients retry elsewhere.
import { ErrorCode } from '../protocol/error-codes.ts';
import type {
  FindCoordinatorRequest,
  FindCoordinatorResponse,
  FindCoordinatorResponseCoordinator,
} from '../protocol/generated/find-coordinator.ts';
import type { ApiHandler, BrokerState } from './api-handler.ts';

/** Kafka's CoordinatorType codes. */
const KEY_TYPE_GROUP = 0;
const KEY_TYPE_TRANSACTION = 1;

export const findCoordinatorHandler: ApiHandler<FindCoordinatorRequest, FindCoordinatorResponse> = {
  apiKey: 10,
  minVersion: 0,
  maxVersion: 6,
  handle(context, request, version) {
    const keyType = request.keyType ?? KEY_TYPE_GROUP;
    if (version >= 4) {
      const coordinators = (request.coordinatorKeys ?? []).map((key) => locate(context.broker, key, keyType));
      return { throttleTimeMs: 0, coordinators };
    }
    const { errorCode, errorMessage, nodeId, host, port } = locate(context.broker, request.key ?? '', keyType);
    return { throttleTimeMs: 0, errorCode, errorMessage, nodeId, host, port };
  },
};

function locate(broker: BrokerState, key: string, keyType: number): FindCoordinatorResponseCoordinator {
  const refuse = (errorCode: number, errorMessage: string) => ({
    key,
    nodeId: -1,
    host: '',
    port: -1,
    errorCode,
    errorMessage,
  });
  if (keyType === KEY_TYPE_TRANSACTION) {
    return refuse(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 'transactions are not supported by this broker');
  }
  if (keyType !== KEY_TYPE_GROUP)
    return refuse(ErrorCode.INVALID_REQUEST, `unsupported coordinator key type ${keyType}`);
  if (broker.groups.isClosed) return refuse(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'the broker is shutting down');
  return {
    key,
    nodeId: broker.nodeId,
    host: broker.host,
    port: broker.config.advertisedPort || broker.port,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
  };
}
