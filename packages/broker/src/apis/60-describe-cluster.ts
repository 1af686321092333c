// DescribeCluster (key 60), v0-1 (KIP-700). The admin client's view of the cluster: its id, this node as the only
// broker and as the controller, with no rack. Cluster authorized operations (KIP-430) are every cluster operation,
// since there are no ACLs, when asked for. EndpointType (v1, KIP-919): 1 describes the brokers; 2 (controllers) is
// MISMATCHED_ENDPOINT_TYPE as on any Kafka broker listener, because there is no separate controller listener to
// bootstrap from; anything else is UNSUPPORTED_ENDPOINT_TYPE.
import { ErrorCode } from '../protocol/error-codes.ts';
import type { DescribeClusterRequest, DescribeClusterResponse } from '../protocol/generated/describe-cluster.ts';
import type { ApiHandler } from './api-handler.ts';

const ENDPOINT_BROKERS = 1;
const ENDPOINT_CONTROLLERS = 2;
/** org.apache.kafka.common.protocol.Errors codes added by KIP-919, only ever produced here. */
const MISMATCHED_ENDPOINT_TYPE = 114;
const UNSUPPORTED_ENDPOINT_TYPE = 115;
/** Kafka's "authorized operations not requested" sentinel (KIP-430). */
const OPERATIONS_NOT_REQUESTED = -2147483648;
/** Every cluster operation: CREATE 5, ALTER 7, DESCRIBE 8, CLUSTER_ACTION 9, DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11,
 * IDEMPOTENT_WRITE 12, as bits of AclOperation codes. */
const ALL_CLUSTER_OPERATIONS = [5, 7, 8, 9, 10, 11, 12].reduce((bits, operation) => bits | (1 << operation), 0);

export const describeClusterHandler: ApiHandler<DescribeClusterRequest, DescribeClusterResponse> = {
  apiKey: 60,
  minVersion: 0,
  maxVersion: 1,
  handle(context, request, version) {
    const broker = context.broker;
    const endpointType = version >= 1 ? (request.endpointType ?? ENDPOINT_BROKERS) : ENDPOINT_BROKERS;
    const base = {
      throttleTimeMs: 0,
      endpointType,
      clusterId: broker.clusterId,
      controllerId: broker.nodeId,
    };
    if (endpointType !== ENDPOINT_BROKERS) {
      const mismatched = endpointType === ENDPOINT_CONTROLLERS;
      return {
        ...base,
        errorCode: mismatched ? MISMATCHED_ENDPOINT_TYPE : UNSUPPORTED_ENDPOINT_TYPE,
        errorMessage: mismatched
          ? 'The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER; ' +
            'this single-node broker has no separate controller endpoint, use bootstrap.servers'
          : `Unsupported endpoint type ${endpointType}`,
        controllerId: -1,
        brokers: [],
        clusterAuthorizedOperations: OPERATIONS_NOT_REQUESTED,
      };
    }
    return {
      ...base,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      brokers: [
        { brokerId: broker.nodeId, host: broker.host, port: broker.config.advertisedPort || broker.port, rack: null },
      ],
      clusterAuthorizedOperations: request.includeClusterAuthorizedOperations
        ? ALL_CLUSTER_OPERATIONS
        : OPERATIONS_NOT_REQUESTED,
    };
  },
};
