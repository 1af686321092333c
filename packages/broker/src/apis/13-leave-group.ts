// LeaveGroup (key 13), v0-5: members leave a group, which then rebalances without them. v0-2 name one member and
// report its error at the top level; v3+ name a batch of members, static ones possibly by group.instance.id alone
// (KIP-345), and get an error per member; v5+ add a reason (KIP-800), which is logged.
import { ErrorCode } from '../protocol/error-codes.ts';
import type { LeaveGroupRequest, LeaveGroupResponse } from '../protocol/generated/leave-group.ts';
import type { ApiHandler } from './api-handler.ts';

export const leaveGroupHandler: ApiHandler<LeaveGroupRequest, LeaveGroupResponse> = {
  apiKey: 13,
  minVersion: 0,
  maxVersion: 5,
  handle(context, request, version) {
    const members =
      version >= 3
        ? (request.members ?? []).map((member) => ({
            memberId: member.memberId,
            groupInstanceId: member.groupInstanceId,
            reason: member.reason ?? null,
          }))
        : [{ memberId: request.memberId ?? '', groupInstanceId: null }];
    const result = context.broker.groups.leaveGroup({ groupId: request.groupId, members });
    if (version >= 3) {
      return { throttleTimeMs: 0, errorCode: result.errorCode, members: [...result.members] };
    }
    const memberError = result.members[0]?.errorCode ?? ErrorCode.NONE;
    return { throttleTimeMs: 0, errorCode: result.errorCode !== ErrorCode.NONE ? result.errorCode : memberError };
  },
};
