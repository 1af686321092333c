// The classic group coordinator (Kafka's GroupCoordinator for the "classic" protocol: JoinGroup, SyncGroup,
// Heartbeat, LeaveGroup, plus committed offsets). On a single node we coordinate every group. Its state machine:
//
//   Empty ──join──▶ PreparingRebalance ──all rejoined / timeout──▶ CompletingRebalance ──leader's sync──▶ Stable
//     ▲                 ▲   │ (no members left)                         │ (join, leave, expiry)          │
//     └─────────────────┼───┘                                           ▼                                │
//                       └──────────────────── join, leave, expiry ◀─────┴────────────────────────────────┘
//
// Dead is a deleted group. JoinGroup and SyncGroup responses are parked as promises until the rebalance (or the
// leader's assignment) completes; heartbeats carry REBALANCE_IN_PROGRESS to members that must rejoin. Timers expire
// silent members (session timeout), members that never rejoin (rebalance timeout), new members whose join never
// completes, and members that never sync (pending sync, KAFKA-13766). Methods take and return the plain objects of
// coordinator-types.ts; the API handlers translate to and from the wire. Errors are returned as Kafka error codes,
// never thrown. This class validates each request and keeps the groups; the rebalance and its timers are in
// group-rebalance.ts, committed offsets in committed-offsets.ts.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { ErrorCode } from '../protocol/error-codes.ts';
import { CommittedOffsets, validateOffsetCommit } from './committed-offsets.ts';
import {
  answerJoin,
  answerSync,
  deadGroup,
  joinError,
  joinSuccess,
  NO_ASSIGNMENT,
  rebalanceTimeoutOf,
  sameProtocols,
  syncError,
  syncSuccess,
} from './coordinator-results.ts';
import type {
  DeleteGroupResult,
  GroupDescription,
  HeartbeatParams,
  JoinGroupParams,
  JoinGroupResult,
  LeaveGroupResult,
  LeavingMember,
  ListedGroup,
  ListGroupsFilter,
  OffsetCommitParams,
  OffsetCommitResult,
  OffsetFetchParams,
  OffsetFetchResult,
  SyncGroupParams,
  SyncGroupResult,
} from './coordinator-types.ts';
import { Group, type GroupMember } from './group.ts';
import { GroupRebalance } from './group-rebalance.ts';
import { OffsetStore } from './offset-store.ts';

export interface GroupCoordinatorOptions {
  readonly dataDir: string;
  readonly log: Logger;
  /** The clock for commit timestamps; timers use setTimeout. */
  readonly now?: () => number;
  /** Kafka's group.initial.rebalance.delay.ms: how long an empty group's first rebalance waits for more members. */
  readonly initialRebalanceDelayMs?: number;
  /** Kafka's group.min.session.timeout.ms and group.max.session.timeout.ms. */
  readonly minSessionTimeoutMs?: number;
  readonly maxSessionTimeoutMs?: number;
  /** How long a new member's first JoinGroup may stay parked (Kafka's NewMemberJoinTimeoutMs, KIP-394). */
  readonly newMemberJoinTimeoutMs?: number;
  /** Kafka's offset.metadata.max.bytes. */
  readonly maxOffsetMetadataBytes?: number;
}

const DEFAULTS = {
  initialRebalanceDelayMs: 100,
  minSessionTimeoutMs: 6000,
  maxSessionTimeoutMs: 1_800_000,
  newMemberJoinTimeoutMs: 5 * 60 * 1000,
  maxOffsetMetadataBytes: 4096,
};

export class GroupCoordinator {
  readonly #log: Logger;
  readonly #settings: typeof DEFAULTS;
  readonly #store: OffsetStore;
  readonly #offsets: CommittedOffsets;
  readonly #rebalance: GroupRebalance;
  readonly #groups = new Map<string, Group>();
  #closed: Promise<void> | null = null;

  private constructor(options: GroupCoordinatorOptions, store: OffsetStore) {
    this.#log = options.log;
    this.#settings = {
      initialRebalanceDelayMs: options.initialRebalanceDelayMs ?? DEFAULTS.initialRebalanceDelayMs,
      minSessionTimeoutMs: options.minSessionTimeoutMs ?? DEFAULTS.minSessionTimeoutMs,
      maxSessionTimeoutMs: options.maxSessionTimeoutMs ?? DEFAULTS.maxSessionTimeoutMs,
      newMemberJoinTimeoutMs: options.newMemberJoinTimeoutMs ?? DEFAULTS.newMemberJoinTimeoutMs,
      maxOffsetMetadataBytes: options.maxOffsetMetadataBytes ?? DEFAULTS.maxOffsetMetadataBytes,
    };
    this.#store = store;
    this.#offsets = new CommittedOffsets({
      log: options.log,
      store,
      now: options.now ?? Date.now,
      maxOffsetMetadataBytes: this.#settings.maxOffsetMetadataBytes,
    });
    this.#rebalance = new GroupRebalance({
      log: options.log,
      initialRebalanceDelayMs: this.#settings.initialRebalanceDelayMs,
      store,
      isClosed: () => this.isClosed,
    });
  }

  /** Loads committed offsets and known groups from `<dataDir>/__consumer_offsets.log`; loaded groups are Empty. */
  static open(options: GroupCoordinatorOptions): GroupCoordinator {
    const coordinator = new GroupCoordinator(options, OffsetStore.open({ dataDir: options.dataDir, log: options.log }));
    const store = coordinator.#store;
    for (const groupId of store.groupIds()) {
      const metadata = store.groupMetadata(groupId);
      coordinator.#groups.set(groupId, new Group(groupId, metadata?.generationId ?? 0, metadata?.protocolType ?? ''));
    }
    options.log.debug({ groups: coordinator.#groups.size }, 'group coordinator loaded');
    return coordinator;
  }

  get isClosed(): boolean {
    return this.#closed !== null;
  }

  joinGroup(params: JoinGroupParams): Promise<JoinGroupResult> {
    if (this.isClosed) return resolved(joinError(params.memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
    if (params.groupId === '') return resolved(joinError(params.memberId, ErrorCode.INVALID_GROUP_ID));
    const { minSessionTimeoutMs, maxSessionTimeoutMs } = this.#settings;
    if (params.sessionTimeoutMs < minSessionTimeoutMs || params.sessionTimeoutMs > maxSessionTimeoutMs) {
      return resolved(joinError(params.memberId, ErrorCode.INVALID_SESSION_TIMEOUT));
    }
    const isNewMember = params.memberId === '';
    let group = this.#groups.get(params.groupId);
    if (group === undefined) {
      // Only a member without an id may create a group; a known id naming an unknown group is stale.
      if (!isNewMember) return resolved(joinError(params.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
      group = new Group(params.groupId);
      this.#groups.set(params.groupId, group);
    }
    const result = isNewMember ? this.#joinNewMember(group, params) : this.#joinCurrentMember(group, params);
    if (group.state === 'PreparingRebalance') this.#rebalance.maybeCompleteJoin(group);
    this.#forgetIfUnused(group);
    return result;
  }

  syncGroup(params: SyncGroupParams): Promise<SyncGroupResult> {
    const group = this.#groups.get(params.groupId);
    const errorCode = this.#validateMember(group, params.groupId, params.memberId, params.groupInstanceId);
    if (errorCode !== ErrorCode.NONE || group === undefined) return resolved(syncError(errorCode));
    if (params.generationId !== group.generationId) return resolved(syncError(ErrorCode.ILLEGAL_GENERATION));
    if (
      (params.protocolType !== null && params.protocolType !== group.protocolType) ||
      (params.protocolName !== null && params.protocolName !== group.protocolName)
    ) {
      return resolved(syncError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    }
    const member = group.get(params.memberId)!;
    switch (group.state) {
      case 'PreparingRebalance':
        return resolved(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
      case 'CompletingRebalance': {
        // A member sending SyncGroup again while its earlier one is parked has given up on the earlier one.
        answerSync(member, syncError(ErrorCode.REBALANCE_IN_PROGRESS));
        const waiting = new Promise<SyncGroupResult>((resolve) => {
          member.syncWaiter = resolve;
        });
        group.pendingSyncMembers.delete(member.memberId);
        this.#rebalance.scheduleSessionExpiry(group, member);
        if (group.isLeader(member.memberId)) this.#rebalance.applyLeaderAssignment(group, params.assignments);
        return waiting;
      }
      case 'Stable':
        group.pendingSyncMembers.delete(member.memberId);
        this.#rebalance.scheduleSessionExpiry(group, member);
        return resolved(syncSuccess(group, member));
      default:
        return resolved(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    }
  }

  heartbeat(params: HeartbeatParams): { errorCode: number } {
    const group = this.#groups.get(params.groupId);
    const errorCode = this.#validateMember(group, params.groupId, params.memberId, params.groupInstanceId);
    if (errorCode !== ErrorCode.NONE || group === undefined) return { errorCode };
    if (params.generationId !== group.generationId) return { errorCode: ErrorCode.ILLEGAL_GENERATION };
    const member = group.get(params.memberId)!;
    switch (group.state) {
      case 'Stable':
      case 'CompletingRebalance':
        // Members may heartbeat between their JoinGroup and SyncGroup responses; that keeps them alive.
        this.#rebalance.scheduleSessionExpiry(group, member);
        return { errorCode: ErrorCode.NONE };
      case 'PreparingRebalance':
        this.#rebalance.scheduleSessionExpiry(group, member);
        return { errorCode: ErrorCode.REBALANCE_IN_PROGRESS };
      default:
        return { errorCode: ErrorCode.UNKNOWN_MEMBER_ID };
    }
  }

  leaveGroup(params: { readonly groupId: string; readonly members: readonly LeavingMember[] }): LeaveGroupResult {
    if (this.isClosed) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] };
    if (params.groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, members: [] };
    const group = this.#groups.get(params.groupId);
    const memberResult = (leaving: LeavingMember, errorCode: number) => ({
      memberId: leaving.memberId,
      groupInstanceId: leaving.groupInstanceId,
      errorCode,
    });
    if (group === undefined) {
      return {
        errorCode: ErrorCode.NONE,
        members: params.members.map((m) => memberResult(m, ErrorCode.UNKNOWN_MEMBER_ID)),
      };
    }
    if (group.state === 'Dead') return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] };
    const members = params.members.map((leaving) => {
      if (leaving.groupInstanceId === null && group.pendingMembers.has(leaving.memberId)) {
        this.#rebalance.removePendingMember(group, leaving.memberId);
        return memberResult(leaving, ErrorCode.NONE);
      }
      let member: GroupMember | undefined;
      if (leaving.groupInstanceId !== null) {
        member = group.staticMember(leaving.groupInstanceId);
        if (member !== undefined && leaving.memberId !== '' && member.memberId !== leaving.memberId) {
          return memberResult(leaving, ErrorCode.FENCED_INSTANCE_ID);
        }
      } else {
        member = group.get(leaving.memberId);
      }
      if (member === undefined) return memberResult(leaving, ErrorCode.UNKNOWN_MEMBER_ID);
      this.#log.info(
        { groupId: group.groupId, memberId: member.memberId, reason: leaving.reason ?? null },
        'member left group',
      );
      this.#rebalance.removeMemberAndUpdateGroup(group, member, 'member left');
      return memberResult(leaving, ErrorCode.NONE);
    });
    return { errorCode: ErrorCode.NONE, members };
  }

  async commitOffsets(params: OffsetCommitParams): Promise<OffsetCommitResult[]> {
    const all = (errorCode: number) =>
      params.offsets.map((o) => ({ topic: o.topic, partition: o.partition, errorCode }));
    if (this.isClosed) return all(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    let group = this.#groups.get(params.groupId);
    if (group === undefined) {
      // Kafka: a negative generation means the committer does not use group management, so the commit creates
      // an Empty group; a positive one can only come from a member of a generation we no longer know.
      if (params.generationId >= 0) return all(ErrorCode.ILLEGAL_GENERATION);
      group = new Group(params.groupId);
      this.#groups.set(params.groupId, group);
    }
    const errorCode = validateOffsetCommit(group, params);
    if (errorCode !== ErrorCode.NONE) {
      this.#forgetIfUnused(group);
      return all(errorCode);
    }
    const member = group.get(params.memberId);
    if (member !== undefined && group.state !== 'Empty') this.#rebalance.scheduleSessionExpiry(group, member);
    return this.#offsets.commit(group, params);
  }

  fetchOffsets(params: OffsetFetchParams): OffsetFetchResult {
    if (this.isClosed) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, topics: [] };
    return this.#offsets.fetch(params);
  }

  describeGroups(groupIds: readonly string[]): GroupDescription[] {
    return groupIds.map((groupId) => {
      const group = this.#groups.get(groupId);
      if (this.isClosed) return deadGroup(groupId, ErrorCode.COORDINATOR_NOT_AVAILABLE);
      if (group === undefined) return deadGroup(groupId, ErrorCode.NONE);
      // Kafka only reports member metadata and the protocol once the group is Stable.
      const stable = group.state === 'Stable';
      return {
        groupId,
        errorCode: ErrorCode.NONE,
        state: group.state,
        protocolType: group.protocolType,
        protocolName: stable ? (group.protocolName ?? '') : '',
        members: [...group.members.values()].map((member) => ({
          memberId: member.memberId,
          groupInstanceId: member.groupInstanceId,
          clientId: member.clientId,
          clientHost: member.clientHost,
          metadata: stable ? group.metadataOf(member) : NO_ASSIGNMENT,
          assignment: stable ? member.assignment : NO_ASSIGNMENT,
        })),
      };
    });
  }

  listGroups(filter: ListGroupsFilter = {}): ListedGroup[] {
    const states = new Set((filter.states ?? []).map((state) => state.toLowerCase()));
    const types = new Set((filter.types ?? []).map((type) => type.toLowerCase()));
    if (types.size > 0 && !types.has('classic')) return [];
    const listed: ListedGroup[] = [];
    for (const group of this.#groups.values()) {
      if (states.size > 0 && !states.has(group.state.toLowerCase())) continue;
      listed.push({ groupId: group.groupId, protocolType: group.protocolType, state: group.state, type: 'classic' });
    }
    return listed;
  }

  async deleteGroups(groupIds: readonly string[]): Promise<DeleteGroupResult[]> {
    const results: DeleteGroupResult[] = [];
    const tombstones: Promise<void>[] = [];
    for (const groupId of groupIds) {
      const group = this.#groups.get(groupId);
      if (this.isClosed) results.push({ groupId, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE });
      else if (group === undefined || group.state === 'Dead') {
        results.push({ groupId, errorCode: ErrorCode.GROUP_ID_NOT_FOUND });
      } else if (group.state !== 'Empty') {
        results.push({ groupId, errorCode: ErrorCode.NON_EMPTY_GROUP });
      } else {
        group.state = 'Dead';
        this.#rebalance.clearTimers(group);
        this.#groups.delete(groupId);
        tombstones.push(this.#store.deleteGroup(groupId));
        results.push({ groupId, errorCode: ErrorCode.NONE });
        this.#log.info({ groupId }, 'group deleted');
      }
    }
    try {
      await Promise.all(tombstones);
      return results;
    } catch (error) {
      this.#log.error({ err: error }, 'could not persist group deletion');
      return results.map((r) =>
        r.errorCode === ErrorCode.NONE ? { ...r, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE } : r,
      );
    }
  }

  /**
   * Stops coordinating: every parked JoinGroup and SyncGroup answers COORDINATOR_NOT_AVAILABLE (clients retry
   * against the next coordinator), timers are cleared, and the offsets file closes once pending fsyncs finish.
   */
  close(): Promise<void> {
    if (this.#closed !== null) return this.#closed;
    for (const group of this.#groups.values()) {
      this.#rebalance.clearTimers(group);
      for (const member of group.members.values()) {
        answerJoin(member, joinError(member.memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
        answerSync(member, syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
      }
    }
    this.#closed = this.#store.close();
    return this.#closed;
  }

  // ─── JoinGroup ────────────────────────────────────────────────────────────────────────────────────────────────

  #joinNewMember(group: Group, params: JoinGroupParams): Promise<JoinGroupResult> {
    if (group.state === 'Dead') return resolved(joinError('', ErrorCode.COORDINATOR_NOT_AVAILABLE));
    if (
      !group.supportsProtocols(
        params.protocolType,
        params.protocols.map((p) => p.name),
      )
    ) {
      return resolved(joinError('', ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    }
    // Kafka's member id format: the client id (or the static instance id) and a UUID.
    const memberId = `${params.groupInstanceId ?? params.clientId}-${randomUUID()}`;
    if (params.groupInstanceId !== null) {
      const existing = group.staticMember(params.groupInstanceId);
      if (existing !== undefined) return this.#replaceStaticMember(group, existing, memberId, params);
      return this.#addMemberAndRebalance(group, memberId, params);
    }
    if (params.requireKnownMemberId) {
      // KIP-394: hand out the id first so a client that times out and retries does not leave orphans behind; the
      // id must come back within the session timeout.
      const timer = this.#rebalance.setTimer(params.sessionTimeoutMs, () => {
        this.#log.info({ groupId: group.groupId, memberId }, 'pending member did not rejoin in time');
        this.#rebalance.removePendingMember(group, memberId);
        this.#forgetIfUnused(group);
      });
      group.pendingMembers.set(memberId, timer);
      return resolved(joinError(memberId, ErrorCode.MEMBER_ID_REQUIRED));
    }
    return this.#addMemberAndRebalance(group, memberId, params);
  }

  #joinCurrentMember(group: Group, params: JoinGroupParams): Promise<JoinGroupResult> {
    const { memberId } = params;
    if (group.state === 'Dead') return resolved(joinError(memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
    if (
      !group.supportsProtocols(
        params.protocolType,
        params.protocols.map((p) => p.name),
      )
    ) {
      return resolved(joinError(memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    }
    if (group.pendingMembers.has(memberId)) {
      clearTimeout(group.pendingMembers.get(memberId));
      group.pendingMembers.delete(memberId);
      return this.#addMemberAndRebalance(group, memberId, params);
    }
    if (group.isStaticMemberFenced(memberId, params.groupInstanceId)) {
      return resolved(joinError(memberId, ErrorCode.FENCED_INSTANCE_ID));
    }
    const member = group.get(memberId);
    if (
      member === undefined ||
      (params.groupInstanceId !== null && member.groupInstanceId !== params.groupInstanceId)
    ) {
      return resolved(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    }
    switch (group.state) {
      case 'PreparingRebalance':
        return this.#updateMemberAndRebalance(group, member, params);
      case 'CompletingRebalance':
        // The member already got this generation's JoinGroup response but probably lost it: send it again.
        if (sameProtocols(member.protocols, params.protocols)) return resolved(joinSuccess(group, member, false));
        return this.#updateMemberAndRebalance(group, member, params);
      case 'Stable':
        // A follower rejoining with unchanged metadata changes nothing; the leader rejoining means it wants a
        // new assignment (e.g. its metadata refresh found new partitions), so it triggers a rebalance.
        if (!group.isLeader(memberId) && sameProtocols(member.protocols, params.protocols)) {
          return resolved(joinSuccess(group, member, false));
        }
        return this.#updateMemberAndRebalance(group, member, params);
      default:
        return resolved(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    }
  }

  #addMemberAndRebalance(group: Group, memberId: string, params: JoinGroupParams): Promise<JoinGroupResult> {
    const member: GroupMember = {
      memberId,
      groupInstanceId: params.groupInstanceId,
      clientId: params.clientId,
      clientHost: params.clientHost,
      sessionTimeoutMs: params.sessionTimeoutMs,
      rebalanceTimeoutMs: rebalanceTimeoutOf(params),
      protocols: [...params.protocols],
      assignment: NO_ASSIGNMENT,
      joinWaiter: null,
      syncWaiter: null,
      isNew: true,
      timer: null,
    };
    const waiting = this.#parkJoin(member);
    if (group.initialDelayPending) group.newMemberAdded = true;
    group.add(member, params.protocolType);
    // A parked JoinGroup cannot heartbeat and its connection may be gone: a new member whose join never
    // completes is dropped after this timeout (if it is still alive it retries).
    member.timer = this.#rebalance.setTimer(this.#settings.newMemberJoinTimeoutMs, () => {
      member.timer = null;
      if (group.get(member.memberId) === member && member.isNew && member.joinWaiter !== null) {
        this.#rebalance.removeMemberAndUpdateGroup(group, member, 'new member join timed out');
      }
    });
    this.#log.debug({ groupId: group.groupId, memberId, reason: params.reason ?? null }, 'member joining group');
    this.#rebalance.maybePrepareRebalance(group, `member ${memberId} joined`);
    return waiting;
  }

  #updateMemberAndRebalance(group: Group, member: GroupMember, params: JoinGroupParams): Promise<JoinGroupResult> {
    member.protocols = [...params.protocols];
    member.rebalanceTimeoutMs = rebalanceTimeoutOf(params);
    member.sessionTimeoutMs = params.sessionTimeoutMs;
    const waiting = this.#parkJoin(member);
    this.#rebalance.maybePrepareRebalance(group, `member ${member.memberId} rejoined`);
    return waiting;
  }

  /** KIP-345: a known static instance rejoining without its member id replaces its previous incarnation. */
  #replaceStaticMember(
    group: Group,
    member: GroupMember,
    newMemberId: string,
    params: JoinGroupParams,
  ): Promise<JoinGroupResult> {
    const oldMemberId = member.memberId;
    answerJoin(member, joinError(oldMemberId, ErrorCode.FENCED_INSTANCE_ID));
    answerSync(member, syncError(ErrorCode.FENCED_INSTANCE_ID));
    group.replaceMemberId(member, newMemberId);
    member.clientId = params.clientId;
    member.clientHost = params.clientHost;
    this.#log.info(
      { groupId: group.groupId, oldMemberId, newMemberId, groupInstanceId: params.groupInstanceId },
      'static member replaced',
    );
    member.protocols = [...params.protocols];
    member.rebalanceTimeoutMs = rebalanceTimeoutOf(params);
    member.sessionTimeoutMs = params.sessionTimeoutMs;
    // In a stable group the instance simply resumes its place, unless its new protocols change the selection.
    if (group.state === 'Stable' && group.selectProtocol() === group.protocolName) {
      this.#rebalance.scheduleSessionExpiry(group, member);
      const skipAssignment = group.isLeader(newMemberId) && params.supportsSkipAssignment;
      return resolved(joinSuccess(group, member, skipAssignment));
    }
    // While CompletingRebalance the leader may already be assigning to the old member id, which the new id would
    // miss, so that rebalance is restarted; while PreparingRebalance the new incarnation simply takes part.
    return this.#updateMemberAndRebalance(group, member, params);
  }

  #parkJoin(member: GroupMember): Promise<JoinGroupResult> {
    return new Promise<JoinGroupResult>((resolve) => {
      // A member sending JoinGroup again while its earlier one is parked has given up on the earlier one.
      answerJoin(member, joinError(member.memberId, ErrorCode.REBALANCE_IN_PROGRESS));
      member.joinWaiter = resolve;
    });
  }

  // ─── Validation ───────────────────────────────────────────────────────────────────────────────────────────────

  /** The checks SyncGroup and Heartbeat share, in Kafka's order (generation is checked by the caller). */
  #validateMember(group: Group | undefined, groupId: string, memberId: string, groupInstanceId: string | null): number {
    if (this.isClosed) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (groupId === '') return ErrorCode.INVALID_GROUP_ID;
    if (group === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (group.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (group.isStaticMemberFenced(memberId, groupInstanceId)) return ErrorCode.FENCED_INSTANCE_ID;
    if (!group.has(memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
    return ErrorCode.NONE;
  }

  /** Drops a group a failed request created: no members, none expected, no generation and no offsets. */
  #forgetIfUnused(group: Group): void {
    if (
      group.state === 'Empty' &&
      group.members.size === 0 &&
      group.pendingMembers.size === 0 &&
      group.generationId === 0 &&
      !this.#store.hasOffsets(group.groupId) &&
      this.#groups.get(group.groupId) === group
    ) {
      this.#groups.delete(group.groupId);
    }
  }
}

function resolved<T>(value: T): Promise<T> {
  return Promise.resolve(value);
}
