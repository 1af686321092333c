// One classic consumer group's state, as Kafka's ClassicGroup (formerly GroupMetadata) keeps it: the state machine
// position, the generation, the members with their supported protocols, the leader, and the bookkeeping the
// rebalance needs (who still has to rejoin, who still has to sync). The GroupCoordinator and GroupRebalance drive
// the transitions and own the timers; this class only holds the data and answers questions about it.
import type { GroupState, JoinGroupResult, MemberProtocol, SyncGroupResult } from './coordinator-types.ts';

export interface GroupMember {
  memberId: string;
  /** KIP-345 static membership: the instance id the member keeps across restarts, or null for a dynamic member. */
  readonly groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  /** In the member's order of preference. */
  protocols: MemberProtocol[];
  /** What the leader assigned this member in the current generation (empty until then). */
  assignment: Buffer;
  /** Set while the member's JoinGroup is parked until the rebalance completes. */
  joinWaiter: ((result: JoinGroupResult) => void) | null;
  /** Set while the member's SyncGroup is parked until the leader's assignment arrives. */
  syncWaiter: ((result: SyncGroupResult) => void) | null;
  /** True until the member's first JoinGroup completes: such members cannot heartbeat yet. */
  isNew: boolean;
  /** Session expiry (or, for a new member, the join expiry). */
  timer: NodeJS.Timeout | null;
}

export class Group {
  readonly groupId: string;
  state: GroupState = 'Empty';
  generationId: number;
  protocolType: string;
  /** The protocol selected for the current generation; null when the group is empty. */
  protocolName: string | null = null;
  leaderId: string | null = null;
  /** Insertion ordered: the leader's member list and leader succession follow join order, as in Kafka. */
  readonly members = new Map<string, GroupMember>();
  /** Member ids handed out with MEMBER_ID_REQUIRED (KIP-394) whose second JoinGroup has not arrived yet. */
  readonly pendingMembers = new Map<string, NodeJS.Timeout>();
  /** Members of the current generation that have not sent SyncGroup yet. */
  readonly pendingSyncMembers = new Set<string>();
  /** Completes the join phase: the initial delay or the rebalance timeout. */
  joinTimer: NodeJS.Timeout | null = null;
  pendingSyncTimer: NodeJS.Timeout | null = null;
  /** True while an empty group waits group.initial.rebalance.delay.ms for more members to join. */
  initialDelayPending = false;
  /** A member joined during the current initial delay, so the delay is extended once more (Kafka's InitialDelayedJoin). */
  newMemberAdded = false;

  constructor(groupId: string, generationId = 0, protocolType = '') {
    this.groupId = groupId;
    this.generationId = generationId;
    this.protocolType = protocolType;
  }

  get(memberId: string): GroupMember | undefined {
    return this.members.get(memberId);
  }

  has(memberId: string): boolean {
    return this.members.has(memberId);
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  staticMember(groupInstanceId: string): GroupMember | undefined {
    for (const member of this.members.values()) {
      if (member.groupInstanceId === groupInstanceId) return member;
    }
    return undefined;
  }

  /** KIP-345: a request naming a known instance id with another member id comes from a fenced, older incarnation. */
  isStaticMemberFenced(memberId: string, groupInstanceId: string | null): boolean {
    if (groupInstanceId === null) return false;
    const member = this.staticMember(groupInstanceId);
    return member !== undefined && member.memberId !== memberId;
  }

  /** The first member of an empty group sets the group's protocol type. */
  add(member: GroupMember, protocolType: string): void {
    if (this.members.size === 0) this.protocolType = protocolType;
    this.members.set(member.memberId, member);
    this.leaderId ??= member.memberId;
  }

  remove(memberId: string): void {
    this.members.delete(memberId);
    this.pendingSyncMembers.delete(memberId);
    if (this.leaderId === memberId) this.leaderId = this.members.keys().next().value ?? null;
  }

  /** KIP-345: a static member rejoining with an unknown member id takes over the old member's place under a new id. */
  replaceMemberId(member: GroupMember, newMemberId: string): void {
    const oldMemberId = member.memberId;
    this.members.delete(oldMemberId);
    member.memberId = newMemberId;
    this.members.set(newMemberId, member);
    if (this.leaderId === oldMemberId) this.leaderId = newMemberId;
    if (this.pendingSyncMembers.delete(oldMemberId)) this.pendingSyncMembers.add(newMemberId);
  }

  /**
   * Whether a member with this protocol type and protocols may join: an empty group takes any non-empty type and
   * protocol list; otherwise the type must match and at least one protocol must be supported by every member.
   */
  supportsProtocols(protocolType: string, protocolNames: readonly string[]): boolean {
    if (this.members.size === 0) return protocolType !== '' && protocolNames.length > 0;
    if (protocolType !== this.protocolType) return false;
    return protocolNames.some((name) => this.everyMemberSupports(name));
  }

  /**
   * Kafka's selection: of the protocols every member supports, each member votes for the one it prefers most and the
   * most votes win. Ties go to the leader's order of preference, so the result does not depend on map order.
   */
  selectProtocol(): string {
    const leader = this.members.get(this.leaderId ?? '') ?? this.members.values().next().value;
    if (leader === undefined) return '';
    const candidates = leader.protocols.map((p) => p.name).filter((name) => this.everyMemberSupports(name));
    const votes = new Map<string, number>(candidates.map((name) => [name, 0]));
    for (const member of this.members.values()) {
      const vote = member.protocols.find((protocol) => votes.has(protocol.name));
      if (vote !== undefined) votes.set(vote.name, (votes.get(vote.name) ?? 0) + 1);
    }
    let selected = '';
    let mostVotes = -1;
    for (const protocol of leader.protocols) {
      const count = votes.get(protocol.name);
      if (count !== undefined && count > mostVotes) {
        selected = protocol.name;
        mostVotes = count;
      }
    }
    return selected;
  }

  /** Every member has rejoined and no member id handed out by MEMBER_ID_REQUIRED is still expected back. */
  allMembersJoined(): boolean {
    for (const member of this.members.values()) {
      if (member.joinWaiter === null) return false;
    }
    return this.pendingMembers.size === 0;
  }

  /** How long the coordinator waits for members to rejoin: the longest rebalance timeout any member asked for. */
  rebalanceTimeoutMs(): number {
    let timeout = 0;
    for (const member of this.members.values()) timeout = Math.max(timeout, member.rebalanceTimeoutMs);
    return timeout;
  }

  /** The member's metadata for the selected protocol (what the leader and DescribeGroups see). */
  metadataOf(member: GroupMember, protocolName: string | null = this.protocolName): Buffer {
    return member.protocols.find((protocol) => protocol.name === protocolName)?.metadata ?? Buffer.alloc(0);
  }

  private everyMemberSupports(protocolName: string): boolean {
    for (const member of this.members.values()) {
      if (!member.protocols.some((protocol) => protocol.name === protocolName)) return false;
    }
    return true;
  }
}
