// The plain objects the group coordinator takes and returns: one params/result pair per group API, as the API
// handlers in src/apis translate them to and from the wire. Kept apart from the coordinator so that the group
// state (group.ts), the rebalance and the offset commits can name them without importing the coordinator.

/** The classic group states; the strings are what DescribeGroups and ListGroups report (Kafka's GroupState names). */
export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export interface MemberProtocol {
  readonly name: string;
  readonly metadata: Buffer;
}

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
