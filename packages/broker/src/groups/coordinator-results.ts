// The answers the group coordinator builds in more than one place: errors and successes of JoinGroup and SyncGroup,
// and the hand-over of an answer to a request parked until the rebalance completes.
import { ErrorCode } from '../protocol/error-codes.ts';
import type {
  GroupDescription,
  JoinGroupParams,
  JoinGroupResult,
  MemberProtocol,
  SyncGroupResult,
} from './coordinator-types.ts';
import type { Group, GroupMember } from './group.ts';

export const NO_ASSIGNMENT = Buffer.alloc(0);

export function joinError(memberId: string, errorCode: number): JoinGroupResult {
  return {
    errorCode,
    generationId: -1,
    protocolType: null,
    protocolName: null,
    leaderId: '',
    memberId,
    skipAssignment: false,
    members: [],
  };
}

export function syncError(errorCode: number): SyncGroupResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: NO_ASSIGNMENT };
}

export function deadGroup(groupId: string, errorCode: number): GroupDescription {
  return { groupId, errorCode, state: 'Dead', protocolType: '', protocolName: '', members: [] };
}

export function joinSuccess(group: Group, member: GroupMember, skipAssignment: boolean): JoinGroupResult {
  const isLeader = group.isLeader(member.memberId);
  return {
    errorCode: ErrorCode.NONE,
    generationId: group.generationId,
    protocolType: group.protocolType,
    protocolName: group.protocolName,
    leaderId: group.leaderId ?? '',
    memberId: member.memberId,
    skipAssignment,
    members: isLeader
      ? [...group.members.values()].map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          metadata: group.metadataOf(m),
        }))
      : [],
  };
}

export function syncSuccess(group: Group, member: GroupMember): SyncGroupResult {
  return {
    errorCode: ErrorCode.NONE,
    protocolType: group.protocolType,
    protocolName: group.protocolName,
    assignment: member.assignment,
  };
}

/** Answers the member's parked JoinGroup, if any. */
export function answerJoin(member: GroupMember, result: JoinGroupResult): void {
  const waiter = member.joinWaiter;
  member.joinWaiter = null;
  waiter?.(result);
}

/** Answers the member's parked SyncGroup, if any. */
export function answerSync(member: GroupMember, result: SyncGroupResult): void {
  const waiter = member.syncWaiter;
  member.syncWaiter = null;
  waiter?.(result);
}

/** JoinGroup v0 has no rebalance timeout; Kafka then uses the session timeout. */
export function rebalanceTimeoutOf(params: JoinGroupParams): number {
  return params.rebalanceTimeoutMs > 0 ? params.rebalanceTimeoutMs : params.sessionTimeoutMs;
}

export function sameProtocols(current: readonly MemberProtocol[], next: readonly MemberProtocol[]): boolean {
  return (
    current.length === next.length &&
    current.every((protocol, i) => protocol.name === next[i].name && protocol.metadata.equals(next[i].metadata))
  );
}
