// DescribeGroups (key 15), v0-5: state, protocol type, and members of each group. As in Kafka, the selected
// protocol and the members' metadata and assignments are only reported once the group is Stable, and an unknown
// group is described as Dead with no error. v3+ may ask for the authorized operations (KIP-430): with no ACLs
// every group operation is allowed. v4+ report members' group.instance.id.
import type {
  DescribeGroupsRequest,
  DescribeGroupsResponse,
  DescribeGroupsResponseDescribedGroup,
} from '../protocol/generated/describe-groups.ts';
import type { ApiHandler } from './api-handler.ts';

/** Kafka's "authorized operations not requested" sentinel (KIP-430). */
const OPERATIONS_NOT_REQUESTED = -2147483648;
/** The group operations, as bits of AclOperation codes: READ 3, DELETE 6, DESCRIBE 8. */
const ALL_GROUP_OPERATIONS = [3, 6, 8].reduce((bits, operation) => bits | (1 << operation), 0);

export const describeGroupsHandler: ApiHandler<DescribeGroupsRequest, DescribeGroupsResponse> = {
  apiKey: 15,
  minVersion: 0,
  maxVersion: 5,
  handle(context, request, version) {
    const operations = request.includeAuthorizedOperations ? ALL_GROUP_OPERATIONS : OPERATIONS_NOT_REQUESTED;
    const groups = context.broker.groups
      .describeGroups(request.groups)
      .map((group): DescribeGroupsResponseDescribedGroup => ({
        errorCode: group.errorCode,
        groupId: group.groupId,
        groupState: group.state,
        protocolType: group.protocolType,
        protocolData: group.protocolName,
        members: group.members.map((member) => ({
          memberId: member.memberId,
          groupInstanceId: member.groupInstanceId,
          clientId: member.clientId,
          clientHost: member.clientHost,
          memberMetadata: member.metadata,
          memberAssignment: member.assignment,
        })),
        ...(version >= 3 ? { authorizedOperations: operations } : {}),
      }));
    return { throttleTimeMs: 0, groups };
  },
};
