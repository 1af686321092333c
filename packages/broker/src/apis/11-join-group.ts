// JoinGroup (key 11), v0-9: a consumer joins (or rejoins) a classic group and is answered once the rebalance
// completes, with the generation, the selected protocol and the leader; the leader also gets every member's
// metadata to compute the assignment. v0 has no rebalance timeout (the session timeout is used). v4+ members
// joining without an id first get MEMBER_ID_REQUIRED with an id to rejoin with (KIP-394); v5+ carry
// group.instance.id for static membership (KIP-345); v7+ report the protocol type and a null protocol name on
// errors; v9+ may tell a rejoining static leader to skip the assignment (KIP-814). The state machine lives in
// GroupCoordinator; this only translates.
import type { JoinGroupRequest, JoinGroupResponse } from '../protocol/generated/join-group.ts';
import type { ApiHandler } from './api-handler.ts';

export const joinGroupHandler: ApiHandler<JoinGroupRequest, JoinGroupResponse> = {
  apiKey: 11,
  minVersion: 0,
  maxVersion: 9,
  async handle(context, request, version) {
    const result = await context.broker.groups.joinGroup({
      groupId: request.groupId,
      memberId: request.memberId,
      groupInstanceId: request.groupInstanceId ?? null,
      sessionTimeoutMs: request.sessionTimeoutMs,
      rebalanceTimeoutMs: version >= 1 ? (request.rebalanceTimeoutMs ?? -1) : -1,
      protocolType: request.protocolType,
      protocols: request.protocols,
      clientId: context.clientId ?? '',
      clientHost: context.clientHost,
      requireKnownMemberId: version >= 4,
      supportsSkipAssignment: version >= 9,
      reason: request.reason ?? null,
    });
    return {
      throttleTimeMs: 0,
      errorCode: result.errorCode,
      generationId: result.generationId,
      protocolType: result.protocolType,
      // The protocol name only became nullable in v7; older versions get the empty string on errors.
      protocolName: result.protocolName ?? (version >= 7 ? null : ''),
      leader: result.leaderId,
      skipAssignment: result.skipAssignment,
      memberId: result.memberId,
      members: result.members.map((member) => ({
        memberId: member.memberId,
        groupInstanceId: member.groupInstanceId,
        metadata: member.metadata,
      })),
    };
  },
};
