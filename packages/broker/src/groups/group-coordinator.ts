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
// completes, and members that never sync (pending sync, KAFKA-13766). Methods take and return plain objects; the
// API handlers translate to and from the wire. Errors are returned as Kafka error codes, never thrown.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { ErrorCode } from '../protocol/error-codes.ts';
import { Group, type GroupMember, type GroupState, type MemberProtocol } from './group.ts';
import { type CommittedOffset, type OffsetCommitEntry, OffsetStore } from './offset-store.ts';

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

export interface JoinGroupParams {
  readonly groupId: string;
  /** Empty for a member joining for the first time. */
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly protocolType: string;
  readonly protocols: readonly MemberProtocol[];
  readonly clientId: string;
  readonly clientHost: string;
  /** JoinGroup v4+ (KIP-394): a member without an id first gets MEMBER_ID_REQUIRED and a generated id. */
  readonly requireKnownMemberId: boolean;
  /** JoinGroup v9+ (KIP-814): a static leader rejoining a stable group may be told to skip the assignment. */
  readonly supportsSkipAssignment: boolean;
  readonly reason?: string | null;
}

export interface JoinGroupMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly metadata: Buffer;
}

export interface JoinGroupResult {
  readonly errorCode: number;
  readonly generationId: number;
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly leaderId: string;
  readonly memberId: string;
  readonly skipAssignment: boolean;
  /** Only the leader gets the members, with their metadata for the selected protocol. */
  readonly members: readonly JoinGroupMember[];
}

export interface SyncGroupParams {
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  /** SyncGroup v5+ (KIP-559) names them; null when the client did not. */
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly assignments: readonly { readonly memberId: string; readonly assignment: Buffer }[];
}

export interface SyncGroupResult {
  readonly errorCode: number;
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly assignment: Buffer;
}

export interface HeartbeatParams {
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
}

export interface LeavingMember {
  /** Empty when a static member leaves by instance id alone. */
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly reason?: string | null;
}

export interface LeaveGroupResult {
  /** A group-level error; member errors are per member. */
  readonly errorCode: number;
  readonly members: readonly {
    readonly memberId: string;
    readonly groupInstanceId: string | null;
    readonly errorCode: number;
  }[];
}

export interface OffsetCommitParams {
  readonly groupId: string;
  /** -1 (with an empty member id) for a simple commit from outside group management. */
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly offsets: readonly {
    readonly topic: string;
    readonly partition: number;
    readonly offset: bigint;
    readonly leaderEpoch: number;
    readonly metadata: string | null;
    /** OffsetCommit v1 lets the client set it; otherwise the coordinator's clock. */
    readonly commitTimestamp?: number;
  }[];
}

export interface OffsetCommitResult {
  readonly topic: string;
  readonly partition: number;
  readonly errorCode: number;
}

export interface OffsetFetchParams {
  readonly groupId: string;
  /** null asks for every partition the group has committed. */
  readonly topics: readonly { readonly name: string; readonly partitions: readonly number[] }[] | null;
  /** OffsetFetch v7+ (KIP-447): without transactions no offset is ever pending, so this changes nothing here. */
  readonly requireStable: boolean;
}

export interface FetchedOffset {
  readonly partition: number;
  /** -1 when nothing was committed. */
  readonly offset: bigint;
  readonly leaderEpoch: number;
  readonly metadata: string;
  readonly errorCode: number;
}

export interface OffsetFetchResult {
  readonly errorCode: number;
  readonly topics: readonly { readonly name: string; readonly partitions: readonly FetchedOffset[] }[];
}

export interface GroupDescription {
  readonly groupId: string;
  readonly errorCode: number;
  readonly state: GroupState;
  readonly protocolType: string;
  /** The selected protocol when Stable, otherwise empty (as Kafka's group summary). */
  readonly protocolName: string;
  readonly members: readonly {
    readonly memberId: string;
    readonly groupInstanceId: string | null;
    readonly clientId: string;
    readonly clientHost: string;
    readonly metadata: Buffer;
    readonly assignment: Buffer;
  }[];
}

export interface ListGroupsFilter {
  /** Group states to include, case-insensitively; empty means all (ListGroups v4+, KIP-518). */
  readonly states?: readonly string[];
  /** Group types to include; every group here is "classic" (ListGroups v5+, KIP-848). */
  readonly types?: readonly string[];
}

export interface ListedGroup {
  readonly groupId: string;
  readonly protocolType: string;
  readonly state: GroupState;
  readonly type: 'classic';
}

export interface DeleteGroupResult {
  readonly groupId: string;
  readonly errorCode: number;
}

const NO_ASSIGNMENT = Buffer.alloc(0);

export class GroupCoordinator {
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #settings: typeof DEFAULTS;
  readonly #store: OffsetStore;
  readonly #groups = new Map<string, Group>();
  #closed: Promise<void> | null = null;

  private constructor(options: GroupCoordinatorOptions, store: OffsetStore) {
    this.#log = options.log;
    this.#now = options.now ?? Date.now;
    this.#settings = {
      initialRebalanceDelayMs: options.initialRebalanceDelayMs ?? DEFAULTS.initialRebalanceDelayMs,
      minSessionTimeoutMs: options.minSessionTimeoutMs ?? DEFAULTS.minSessionTimeoutMs,
      maxSessionTimeoutMs: options.maxSessionTimeoutMs ?? DEFAULTS.maxSessionTimeoutMs,
      newMemberJoinTimeoutMs: options.newMemberJoinTimeoutMs ?? DEFAULTS.newMemberJoinTimeoutMs,
      maxOffsetMetadataBytes: options.maxOffsetMetadataBytes ?? DEFAULTS.maxOffsetMetadataBytes,
    };
    this.#store = store;
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
    if (group.state === 'PreparingRebalance') this.#maybeCompleteJoin(group);
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
        this.#answerSync(member, syncError(ErrorCode.REBALANCE_IN_PROGRESS));
        const waiting = new Promise<SyncGroupResult>((resolve) => {
          member.syncWaiter = resolve;
        });
        group.pendingSyncMembers.delete(member.memberId);
        this.#scheduleSessionExpiry(group, member);
        if (group.isLeader(member.memberId)) this.#applyLeaderAssignment(group, params.assignments);
        return waiting;
      }
      case 'Stable':
        group.pendingSyncMembers.delete(member.memberId);
        this.#scheduleSessionExpiry(group, member);
        return resolved(this.#syncSuccess(group, member));
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
        this.#scheduleSessionExpiry(group, member);
        return { errorCode: ErrorCode.NONE };
      case 'PreparingRebalance':
        this.#scheduleSessionExpiry(group, member);
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
        this.#removePendingMember(group, leaving.memberId);
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
      this.#removeMemberAndUpdateGroup(group, member, 'member left');
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
    const errorCode = this.#validateOffsetCommit(group, params);
    if (errorCode !== ErrorCode.NONE) {
      this.#forgetIfUnused(group);
      return all(errorCode);
    }
    const member = group.get(params.memberId);
    if (member !== undefined && group.state !== 'Empty') this.#scheduleSessionExpiry(group, member);

    const results: OffsetCommitResult[] = [];
    const entries: OffsetCommitEntry[] = [];
    for (const offset of params.offsets) {
      const metadata = offset.metadata ?? '';
      if (Buffer.byteLength(metadata) > this.#settings.maxOffsetMetadataBytes) {
        results.push({
          topic: offset.topic,
          partition: offset.partition,
          errorCode: ErrorCode.OFFSET_METADATA_TOO_LARGE,
        });
        continue;
      }
      results.push({ topic: offset.topic, partition: offset.partition, errorCode: ErrorCode.NONE });
      entries.push({
        topic: offset.topic,
        partition: offset.partition,
        offset: offset.offset,
        leaderEpoch: offset.leaderEpoch,
        metadata,
        commitTimestamp:
          offset.commitTimestamp !== undefined && offset.commitTimestamp >= 0 ? offset.commitTimestamp : this.#now(),
      });
    }
    if (entries.length === 0) return results;
    try {
      await this.#store.commit(group.groupId, entries);
      return results;
    } catch (error) {
      this.#log.error({ err: error, groupId: group.groupId }, 'could not persist committed offsets');
      return results.map((r) =>
        r.errorCode === ErrorCode.NONE ? { ...r, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE } : r,
      );
    }
  }

  fetchOffsets(params: OffsetFetchParams): OffsetFetchResult {
    if (this.isClosed) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, topics: [] };
    const committed = this.#store.offsetsOf(params.groupId);
    if (params.topics === null) {
      const topics = [...committed].map(([name, partitions]) => ({
        name,
        partitions: [...partitions].map(([partition, offset]) => fetched(partition, offset)),
      }));
      return { errorCode: ErrorCode.NONE, topics };
    }
    const topics = params.topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map((partition) => fetched(partition, committed.get(topic.name)?.get(partition))),
    }));
    return { errorCode: ErrorCode.NONE, topics };
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
        this.#clearTimers(group);
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
      this.#clearTimers(group);
      for (const member of group.members.values()) {
        this.#answerJoin(member, joinError(member.memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
        this.#answerSync(member, syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
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
      const timer = this.#setTimer(params.sessionTimeoutMs, () => {
        this.#log.info({ groupId: group.groupId, memberId }, 'pending member did not rejoin in time');
        this.#removePendingMember(group, memberId);
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
        if (sameProtocols(member.protocols, params.protocols)) return resolved(this.#joinSuccess(group, member, false));
        return this.#updateMemberAndRebalance(group, member, params);
      case 'Stable':
        // A follower rejoining with unchanged metadata changes nothing; the leader rejoining means it wants a
        // new assignment (e.g. its metadata refresh found new partitions), so it triggers a rebalance.
        if (!group.isLeader(memberId) && sameProtocols(member.protocols, params.protocols)) {
          return resolved(this.#joinSuccess(group, member, false));
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
    member.timer = this.#setTimer(this.#settings.newMemberJoinTimeoutMs, () => {
      member.timer = null;
      if (group.get(member.memberId) === member && member.isNew && member.joinWaiter !== null) {
        this.#removeMemberAndUpdateGroup(group, member, 'new member join timed out');
      }
    });
    this.#log.debug({ groupId: group.groupId, memberId, reason: params.reason ?? null }, 'member joining group');
    this.#maybePrepareRebalance(group, `member ${memberId} joined`);
    return waiting;
  }

  #updateMemberAndRebalance(group: Group, member: GroupMember, params: JoinGroupParams): Promise<JoinGroupResult> {
    member.protocols = [...params.protocols];
    member.rebalanceTimeoutMs = rebalanceTimeoutOf(params);
    member.sessionTimeoutMs = params.sessionTimeoutMs;
    const waiting = this.#parkJoin(member);
    this.#maybePrepareRebalance(group, `member ${member.memberId} rejoined`);
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
    this.#answerJoin(member, joinError(oldMemberId, ErrorCode.FENCED_INSTANCE_ID));
    this.#answerSync(member, syncError(ErrorCode.FENCED_INSTANCE_ID));
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
      this.#scheduleSessionExpiry(group, member);
      const skipAssignment = group.isLeader(newMemberId) && params.supportsSkipAssignment;
      return resolved(this.#joinSuccess(group, member, skipAssignment));
    }
    // While CompletingRebalance the leader may already be assigning to the old member id, which the new id would
    // miss, so that rebalance is restarted; while PreparingRebalance the new incarnation simply takes part.
    return this.#updateMemberAndRebalance(group, member, params);
  }

  #parkJoin(member: GroupMember): Promise<JoinGroupResult> {
    return new Promise<JoinGroupResult>((resolve) => {
      // A member sending JoinGroup again while its earlier one is parked has given up on the earlier one.
      this.#answerJoin(member, joinError(member.memberId, ErrorCode.REBALANCE_IN_PROGRESS));
      member.joinWaiter = resolve;
    });
  }

  #joinSuccess(group: Group, member: GroupMember, skipAssignment: boolean): JoinGroupResult {
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

  // ─── Rebalance ────────────────────────────────────────────────────────────────────────────────────────────────

  #maybePrepareRebalance(group: Group, reason: string): void {
    if (group.state === 'Stable' || group.state === 'CompletingRebalance' || group.state === 'Empty') {
      this.#prepareRebalance(group, reason);
    }
  }

  #prepareRebalance(group: Group, reason: string): void {
    // Members waiting for the leader's assignment must rejoin instead: the assignment they wait for is void.
    if (group.state === 'CompletingRebalance') {
      for (const member of group.members.values()) {
        member.assignment = NO_ASSIGNMENT;
        this.#answerSync(member, syncError(ErrorCode.REBALANCE_IN_PROGRESS));
      }
    }
    this.#clearPendingSync(group);
    const wasEmpty = group.state === 'Empty';
    group.state = 'PreparingRebalance';
    this.#log.info(
      { groupId: group.groupId, generationId: group.generationId, reason },
      'preparing to rebalance group',
    );
    const delay = this.#settings.initialRebalanceDelayMs;
    if (wasEmpty && delay > 0) {
      // group.initial.rebalance.delay.ms (KIP-134): let a starting consumer fleet join before the first
      // generation, extending the wait while new members keep arriving, up to the rebalance timeout.
      group.initialDelayPending = true;
      group.newMemberAdded = false;
      this.#scheduleInitialDelay(group, delay, Math.max(group.rebalanceTimeoutMs() - delay, 0));
      return;
    }
    this.#scheduleJoinTimer(group, group.rebalanceTimeoutMs(), () => this.#completeJoin(group));
    this.#maybeCompleteJoin(group);
  }

  #scheduleInitialDelay(group: Group, delayMs: number, remainingMs: number): void {
    this.#scheduleJoinTimer(group, delayMs, () => {
      if (group.newMemberAdded && remainingMs > 0) {
        group.newMemberAdded = false;
        const configured = this.#settings.initialRebalanceDelayMs;
        this.#scheduleInitialDelay(group, Math.min(configured, remainingMs), Math.max(remainingMs - configured, 0));
        return;
      }
      this.#completeJoin(group);
    });
  }

  #scheduleJoinTimer(group: Group, delayMs: number, onExpiry: () => void): void {
    if (group.joinTimer !== null) clearTimeout(group.joinTimer);
    group.joinTimer = this.#setTimer(delayMs, () => {
      group.joinTimer = null;
      onExpiry();
    });
  }

  #maybeCompleteJoin(group: Group): void {
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
      this.#clearMemberTimer(member);
      this.#answerSync(member, syncError(ErrorCode.UNKNOWN_MEMBER_ID));
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
      const result = this.#joinSuccess(group, member, false);
      member.isNew = false;
      this.#answerJoin(member, result);
      group.pendingSyncMembers.add(member.memberId);
      this.#scheduleSessionExpiry(group, member);
    }
    // Members that never send SyncGroup would leave the others without assignments forever.
    group.pendingSyncTimer = this.#setTimer(group.rebalanceTimeoutMs(), () => {
      group.pendingSyncTimer = null;
      if (group.pendingSyncMembers.size === 0) return;
      if (group.state !== 'CompletingRebalance' && group.state !== 'Stable') return;
      const missing = [...group.pendingSyncMembers];
      this.#log.info({ groupId: group.groupId, members: missing }, 'members did not sync in time, removed');
      for (const memberId of missing) {
        const member = group.get(memberId);
        if (member === undefined) continue;
        this.#clearMemberTimer(member);
        group.remove(memberId);
      }
      this.#prepareRebalance(group, 'members did not sync in time');
    });
  }

  #applyLeaderAssignment(group: Group, assignments: SyncGroupParams['assignments']): void {
    const byMember = new Map(assignments.map((a) => [a.memberId, a.assignment]));
    for (const member of group.members.values()) member.assignment = byMember.get(member.memberId) ?? NO_ASSIGNMENT;
    group.state = 'Stable';
    this.#log.info({ groupId: group.groupId, generationId: group.generationId }, 'group stable');
    for (const member of group.members.values()) {
      if (member.syncWaiter === null) continue;
      this.#answerSync(member, this.#syncSuccess(group, member));
      this.#scheduleSessionExpiry(group, member);
    }
  }

  #syncSuccess(group: Group, member: GroupMember): SyncGroupResult {
    return {
      errorCode: ErrorCode.NONE,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      assignment: member.assignment,
    };
  }

  #removeMemberAndUpdateGroup(group: Group, member: GroupMember, reason: string): void {
    this.#clearMemberTimer(member);
    // A parked JoinGroup of a removed member answers UNKNOWN_MEMBER_ID, so a still-alive client joins afresh.
    this.#answerJoin(member, joinError(member.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    this.#answerSync(member, syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    group.remove(member.memberId);
    switch (group.state) {
      case 'Stable':
      case 'CompletingRebalance':
        this.#prepareRebalance(group, reason);
        break;
      case 'PreparingRebalance':
        this.#maybeCompleteJoin(group);
        break;
      default:
        break;
    }
  }

  #removePendingMember(group: Group, memberId: string): void {
    clearTimeout(group.pendingMembers.get(memberId));
    group.pendingMembers.delete(memberId);
    this.#maybeCompleteJoin(group);
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

  /** Kafka's validateOffsetCommit plus the state rules of doCommitOffsets. */
  #validateOffsetCommit(group: Group, params: OffsetCommitParams): number {
    if (group.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const fromMember = params.generationId >= 0 || params.memberId !== '' || params.groupInstanceId !== null;
    if (fromMember) {
      if (group.isStaticMemberFenced(params.memberId, params.groupInstanceId)) return ErrorCode.FENCED_INSTANCE_ID;
      if (!group.has(params.memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (params.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
      // The member has its JoinGroup response but not its assignment yet: it commits after it syncs.
      if (group.state === 'CompletingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
      return ErrorCode.NONE;
    }
    // A simple commit (no generation, no member): only allowed while no members own the group's partitions.
    return group.state === 'Empty' ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
  }

  // ─── Timers and waiters ───────────────────────────────────────────────────────────────────────────────────────

  #setTimer(delayMs: number, callback: () => void): NodeJS.Timeout {
    return setTimeout(() => {
      if (!this.isClosed) callback();
    }, delayMs);
  }

  #scheduleSessionExpiry(group: Group, member: GroupMember): void {
    this.#clearMemberTimer(member);
    member.timer = this.#setTimer(member.sessionTimeoutMs, () => {
      member.timer = null;
      if (group.get(member.memberId) !== member) return;
      // Kafka's shouldKeepAlive: a member parked in JoinGroup or SyncGroup cannot heartbeat; the rebalance and
      // pending-sync timeouts decide about it instead.
      if (member.joinWaiter !== null || member.syncWaiter !== null) {
        this.#scheduleSessionExpiry(group, member);
        return;
      }
      this.#log.info({ groupId: group.groupId, memberId: member.memberId }, 'member session expired');
      this.#removeMemberAndUpdateGroup(group, member, `member ${member.memberId} session expired`);
    });
  }

  #clearMemberTimer(member: GroupMember): void {
    if (member.timer !== null) clearTimeout(member.timer);
    member.timer = null;
  }

  #clearPendingSync(group: Group): void {
    if (group.pendingSyncTimer !== null) clearTimeout(group.pendingSyncTimer);
    group.pendingSyncTimer = null;
    group.pendingSyncMembers.clear();
  }

  #clearTimers(group: Group): void {
    if (group.joinTimer !== null) clearTimeout(group.joinTimer);
    group.joinTimer = null;
    this.#clearPendingSync(group);
    for (const timer of group.pendingMembers.values()) clearTimeout(timer);
    group.pendingMembers.clear();
    for (const member of group.members.values()) this.#clearMemberTimer(member);
  }

  #answerJoin(member: GroupMember, result: JoinGroupResult): void {
    const waiter = member.joinWaiter;
    member.joinWaiter = null;
    waiter?.(result);
  }

  #answerSync(member: GroupMember, result: SyncGroupResult): void {
    const waiter = member.syncWaiter;
    member.syncWaiter = null;
    waiter?.(result);
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

function joinError(memberId: string, errorCode: number): JoinGroupResult {
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

function syncError(errorCode: number): SyncGroupResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: NO_ASSIGNMENT };
}

function deadGroup(groupId: string, errorCode: number): GroupDescription {
  return { groupId, errorCode, state: 'Dead', protocolType: '', protocolName: '', members: [] };
}

function fetched(partition: number, committed: CommittedOffset | undefined): FetchedOffset {
  if (committed === undefined) {
    return { partition, offset: -1n, leaderEpoch: -1, metadata: '', errorCode: ErrorCode.NONE };
  }
  return {
    partition,
    offset: committed.offset,
    leaderEpoch: committed.leaderEpoch,
    metadata: committed.metadata,
    errorCode: ErrorCode.NONE,
  };
}

/** JoinGroup v0 has no rebalance timeout; Kafka then uses the session timeout. */
function rebalanceTimeoutOf(params: JoinGroupParams): number {
  return params.rebalanceTimeoutMs > 0 ? params.rebalanceTimeoutMs : params.sessionTimeoutMs;
}

function sameProtocols(current: readonly MemberProtocol[], next: readonly MemberProtocol[]): boolean {
  return (
    current.length === next.length &&
    current.every((protocol, i) => protocol.name === next[i].name && protocol.metadata.equals(next[i].metadata))
  );
}
