// SyncGroup (key 14), v0-5: after JoinGroup, the leader sends the assignment for every member and each member
// gets its own part back; followers' requests are held until the leader's arrives. A stale generation gets
// ILLEGAL_GENERATION, an unknown member UNKNOWN_MEMBER_ID, a sync while the group is rebalancing again
// REBALANCE_IN_PROGRESS. v3+ carry group.instance.id (KIP-345); v5+ name the protocol type and name, which must
// match the group's or the answer is INCONSISTENT_GROUP_PROTOCOL (KIP-559).
import type { SyncGroupRequest, SyncGroupResponse } from '../protocol/generated/sync-group.ts';
import type { ApiHandler } from './api-handler.ts';

export const syncGroupHandler: ApiHandler<SyncGroupRequest, SyncGroupResponse> = {
  apiKey: 14,
  minVersion: 0,
  maxVersion: 5,
  async handle(context, request) {
    const result = await context.broker.groups.syncGroup({
      groupId: request.groupId,
      generationId: request.generationId,
      memberId: request.memberId,
      groupInstanceId: request.groupInstanceId ?? null,
      protocolType: request.protocolType ?? null,
      protocolName: request.protocolName ?? null,
      assignments: request.assignments,
    });
    return {
      throttleTimeMs: 0,
      errorCode: result.errorCode,
      protocolType: result.protocolType,
      protocolName: result.protocolName,
      assignment: result.assignment,
    };
  },
};
