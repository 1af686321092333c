// The rebalance of a classic group: the join phase (with the initial delay of an empty group, KIP-134), the next
// generation and its JoinGroup answers, the leader's assignment, the removal of members that leave, expire or never
// rejoin or sync (pending sync, KAFKA-13766), and the timers that drive all of it. The GroupCoordinator validates
// requests and calls in here; this class owns every group timer, so closing the coordinator can clear them all.
import type { Logger } from 'pino';
import { ErrorCode } from '../protocol/error-codes.ts';
import type { SyncGroupParams } from './coordinator-types.ts';
import {
  answerJoin,
  answerSync,
  joinError,
  joinSuccess,
  NO_ASSIGNMENT,
  syncError,
  syncSuccess,
} from './coordinator-results.ts';
import type { Group, GroupMember } from './group.ts';
import type { OffsetStore } from './offset-store.ts';

export interface GroupRebalanceOptions {
  readonly log: Logger;
  /** Kafka's group.initial.rebalance.delay.ms. */
  readonly initialRebalanceDelayMs: number;
  /** Where each new generation is recorded, so it survives a restart. */
  readonly store: OffsetStore;
  /** Timers that fire after the coordinator closed do nothing. */
  readonly isClosed: () => boolean;
}

export class GroupRebalance {
  readonly #log: Logger;
  readonly #initialRebalanceDelayMs: number;
  readonly #store: OffsetStore;
  readonly #isClosed: () => boolean;

  constructor(options: GroupRebalanceOptions) {
    this.#log = options.log;
    this.#initialRebalanceDelayMs = options.initialRebalanceDelayMs;
    this.#store = options.store;
    this.#isClosed = options.isClosed;
  }

  maybePrepareRebalance(group: Group, reason: string): void {
    if (group.state === 'Stable' || group.state === 'CompletingRebalance' || group.state === 'Empty') {
      this.#prepareRebalance(group, reason);
    }
  }

  #prepareRebalance(group: Group, reason: string): void {
    // Members waiting for the leader's assignment must rejoin instead: the assignment they wait for is void.
    if (group.state === 'CompletingRebalance') {
      for (const member of group.members.values()) {
        member.assignment = NO_ASSIGNMENT;
        answerSync(member, syncError(ErrorCode.REBALANCE_IN_PROGRESS));
      }
    }
    this.#clearPendingSync(group);
    const wasEmpty = group.state === 'Empty';
    group.state = 'PreparingRebalance';
    this.#log.info(
      { groupId: group.groupId, generationId: group.generationId, reason },
      'preparing to rebalance group',
    );
    const delay = this.#initialRebalanceDelayMs;
    if (wasEmpty && delay > 0) {
      // group.initial.rebalance.delay.ms (KIP-134): let a starting consumer fleet join before the first
      // generation, extending the wait while new members keep arriving, up to the rebalance timeout.
      group.initialDelayPending = true;
      group.newMemberAdded = false;
      this.#scheduleInitialDelay(group, delay, Math.max(group.rebalanceTimeoutMs() - delay, 0));
      return;
    }
    this.#scheduleJoinTimer(group, group.rebalanceTimeoutMs(), () => this.#completeJoin(group));
    this.maybeCompleteJoin(group);
  }

  #scheduleInitialDelay(group: Group, delayMs: number, remainingMs: number): void {
    this.#scheduleJoinTimer(group, delayMs, () => {
      if (group.newMemberAdded && remainingMs > 0) {
        group.newMemberAdded = false;
        const configured = this.#initialRebalanceDelayMs;
        this.#scheduleInitialDelay(group, Math.min(configured, remainingMs), Math.max(remainingMs - configured, 0));
        return;
      }
      this.#completeJoin(group);
    });
  }

  #scheduleJoinTimer(group: Group, delayMs: number, onExpiry: () => void): void {
    if (group.joinTimer !== null) clearTimeout(group.joinTimer);
    group.joinTimer = this.setTimer(delayMs, () => {
      group.joinTimer = null;
      onExpiry();
    });
  }

  maybeCompleteJoin(group: Group): void {
    if (group.state === 'PreparingRebalance' && !group.initialDelayPending && group.allMembersJoined()) {
      this.#completeJoin(group);
    }
  }

  /** The join phase ends: drop members that did not rejoin, start the next generation, answer every JoinGroup. */
  #completeJoin(group: Group): void {
    if (group.joinTimer !== null) clearTimeout(group.joinTimer);
    group.joinTimer = null;
    group.initialDelayPending = false;
    group.newMemberAdded = false;
    if (group.state !== 'PreparingRebalance') return;
    for (const member of [...group.members.values()]) {
      if (member.joinWaiter !== null) continue;
      this.#log.info({ groupId: group.groupId, memberId: member.memberId }, 'member did not rejoin in time, removed');
      this.clearMemberTimer(member);
      answerSync(member, syncError(ErrorCode.UNKNOWN_MEMBER_ID));
      group.remove(member.memberId);
    }
    group.generationId++;
    if (group.members.size === 0) {
      group.protocolName = null;
      group.state = 'Empty';
    } else {
      group.protocolName = group.selectProtocol();
      group.state = 'CompletingRebalance';
    }
    this.#store.recordGeneration(group.groupId, { protocolType: group.protocolType, generationId: group.generationId });
    this.#log.info(
      {
        groupId: group.groupId,
        generationId: group.generationId,
        protocolName: group.protocolName,
        leaderId: group.leaderId,
        members: group.members.size,
      },
      'group rebalanced',
    );
    if (group.state === 'Empty') return;
    for (const member of group.members.values()) {
      const result = joinSuccess(group, member, false);
      member.isNew = false;
      answerJoin(member, result);
      group.pendingSyncMembers.add(member.memberId);
      this.scheduleSessionExpiry(group, member);
    }
    // Members that never send SyncGroup would leave the others without assignments forever.
    group.pendingSyncTimer = this.setTimer(group.rebalanceTimeoutMs(), () => {
      group.pendingSyncTimer = null;
      if (group.pendingSyncMembers.size === 0) return;
      if (group.state !== 'CompletingRebalance' && group.state !== 'Stable') return;
      const missing = [...group.pendingSyncMembers];
      this.#log.info({ groupId: group.groupId, members: missing }, 'members did not sync in time, removed');
      for (const memberId of missing) {
        const member = group.get(memberId);
        if (member === undefined) continue;
        this.clearMemberTimer(member);
        group.remove(memberId);
      }
      this.#prepareRebalance(group, 'members did not sync in time');
    });
  }

  applyLeaderAssignment(group: Group, assignments: SyncGroupParams['assignments']): void {
    const byMember = new Map(assignments.map((a) => [a.memberId, a.assignment]));
    for (const member of group.members.values()) member.assignment = byMember.get(member.memberId) ?? NO_ASSIGNMENT;
    group.state = 'Stable';
    this.#log.info({ groupId: group.groupId, generationId: group.generationId }, 'group stable');
    for (const member of group.members.values()) {
      if (member.syncWaiter === null) continue;
      answerSync(member, syncSuccess(group, member));
      this.scheduleSessionExpiry(group, member);
    }
  }

  removeMemberAndUpdateGroup(group: Group, member: GroupMember, reason: string): void {
    this.clearMemberTimer(member);
    // A parked JoinGroup of a removed member answers UNKNOWN_MEMBER_ID, so a still-alive client joins afresh.
    answerJoin(member, joinError(member.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    answerSync(member, syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    group.remove(member.memberId);
    switch (group.state) {
      case 'Stable':
      case 'CompletingRebalance':
        this.#prepareRebalance(group, reason);
        break;
      case 'PreparingRebalance':
        this.maybeCompleteJoin(group);
        break;
      default:
        break;
    }
  }

  removePendingMember(group: Group, memberId: string): void {
    clearTimeout(group.pendingMembers.get(memberId));
    group.pendingMembers.delete(memberId);
    this.maybeCompleteJoin(group);
  }

  // ─── Timers ───────────────────────────────────────────────────────────────────────────────────────────────────

  setTimer(delayMs: number, callback: () => void): NodeJS.Timeout {
    return setTimeout(() => {
      if (!this.#isClosed()) callback();
    }, delayMs);
  }

  scheduleSessionExpiry(group: Group, member: GroupMember): void {
    this.clearMemberTimer(member);
    member.timer = this.setTimer(member.sessionTimeoutMs, () => {
      member.timer = null;
      if (group.get(member.memberId) !== member) return;
      // Kafka's shouldKeepAlive: a member parked in JoinGroup or SyncGroup cannot heartbeat; the rebalance and
      // pending-sync timeouts decide about it instead.
      if (member.joinWaiter !== null || member.syncWaiter !== null) {
        this.scheduleSessionExpiry(group, member);
        return;
      }
      this.#log.info({ groupId: group.groupId, memberId: member.memberId }, 'member session expired');
      this.removeMemberAndUpdateGroup(group, member, `member ${member.memberId} session expired`);
    });
  }

  clearMemberTimer(member: GroupMember): void {
    if (member.timer !== null) clearTimeout(member.timer);
    member.timer = null;
  }

  #clearPendingSync(group: Group): void {
    if (group.pendingSyncTimer !== null) clearTimeout(group.pendingSyncTimer);
    group.pendingSyncTimer = null;
    group.pendingSyncMembers.clear();
  }

  clearTimers(group: Group): void {
    if (group.joinTimer !== null) clearTimeout(group.joinTimer);
    group.joinTimer = null;
    this.#clearPendingSync(group);
    for (const timer of group.pendingMembers.values()) clearTimeout(timer);
    group.pendingMembers.clear();
    for (const member of group.members.values()) this.clearMemberTimer(member);
  }
}
