// Heartbeat (key 12), v0-4: keeps a member's session alive. While the group rebalances the answer is
// REBALANCE_IN_PROGRESS, which is how members learn they must rejoin; a stale generation gets ILLEGAL_GENERATION
// and an unknown member UNKNOWN_MEMBER_ID. v3+ carry group.instance.id (KIP-345): an older incarnation of a static
// member is told FENCED_INSTANCE_ID.
import type { HeartbeatRequest, HeartbeatResponse } from '../protocol/generated/heartbeat.ts';
import type { ApiHandler } from './api-handler.ts';

export const heartbeatHandler: ApiHandler<HeartbeatRequest, HeartbeatResponse> = {
  apiKey: 12,
  minVersion: 0,
  maxVersion: 4,
  handle(context, request) {
    const { errorCode } = context.broker.groups.heartbeat({
      groupId: request.groupId,
      generationId: request.generationId,
      memberId: request.memberId,
      groupInstanceId: request.groupInstanceId ?? null,
    });
    return { throttleTimeMs: 0, errorCode };
  },
};
