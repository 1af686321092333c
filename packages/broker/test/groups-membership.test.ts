// The classic group protocol as a consumer sees it: joining, leader election, assignment through SyncGroup,
// rebalances on join, leave and session expiry, KIP-394 member ids, static membership and the error codes.
// Timers are mocked, so "time passes" is a tick of the mock clock rather than a sleep.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import pino from 'pino';
import type {
  HeartbeatParams,
  JoinGroupParams,
  JoinGroupResult,
  LeavingMember,
  SyncGroupParams,
} from '../src/groups/coordinator-types.ts';
import { GroupCoordinator, type GroupCoordinatorOptions } from '../src/groups/group-coordinator.ts';
import { ErrorCode } from '../src/protocol/error-codes.ts';

const silentLog = pino({ level: 'silent' });
const INITIAL_DELAY_MS = 100;
const SESSION_TIMEOUT_MS = 10_000;
const REBALANCE_TIMEOUT_MS = 30_000;

function openCoordinator(t: TestContext, options: Partial<GroupCoordinatorOptions> = {}): GroupCoordinator {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const dataDir = mkdtempSync(join(tmpdir(), 'orderflow-groups-'));
  const coordinator = GroupCoordinator.open({
    dataDir,
    log: silentLog,
    initialRebalanceDelayMs: INITIAL_DELAY_MS,
    minSessionTimeoutMs: 1000,
    maxSessionTimeoutMs: 60_000,
    ...options,
  });
  t.after(async () => {
    await coordinator.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return coordinator;
}

function joinParams(overrides: Partial<JoinGroupParams> = {}): JoinGroupParams {
  return {
    groupId: 'orders',
    memberId: '',
    groupInstanceId: null,
    sessionTimeoutMs: SESSION_TIMEOUT_MS,
    rebalanceTimeoutMs: REBALANCE_TIMEOUT_MS,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.from('subscription') }],
    clientId: 'client',
    clientHost: '/127.0.0.1',
    requireKnownMemberId: false,
    supportsSkipAssignment: false,
    ...overrides,
  };
}

/** A Heartbeat to the 'orders' group from a dynamic member. */
function heartbeatParams(
  memberId: string,
  generationId: number,
  overrides: Partial<HeartbeatParams> = {},
): HeartbeatParams {
  return { groupId: 'orders', generationId, memberId, groupInstanceId: null, ...overrides };
}

/** A SyncGroup to the 'orders' group from a dynamic consumer member, with no assignments (a follower's). */
function syncParams(memberId: string, generationId: number, overrides: Partial<SyncGroupParams> = {}): SyncGroupParams {
  return {
    groupId: 'orders',
    generationId,
    memberId,
    groupInstanceId: null,
    protocolType: 'consumer',
    protocolName: 'range',
    assignments: [],
    ...overrides,
  };
}

/** A LeaveGroup of the 'orders' group by one dynamic member. */
function leaveParams(memberId: string): { groupId: string; members: LeavingMember[] } {
  return { groupId: 'orders', members: [{ memberId, groupInstanceId: null }] };
}

/**
 * Lets an empty group's first rebalance complete when several members joined: the initial delay, extended once
 * because further members joined during it (Kafka's InitialDelayedJoin). Two ticks, as the extension is a new
 * timer set when the first one fires.
 */
function passInitialDelayOfSeveral(t: TestContext): void {
  t.mock.timers.tick(INITIAL_DELAY_MS);
  t.mock.timers.tick(INITIAL_DELAY_MS);
}

const PENDING = Symbol('pending');
async function isPending(promise: Promise<unknown>): Promise<boolean> {
  return (await Promise.race([promise, PENDING])) === PENDING;
}

/** Two members join an empty group and sync; returns their JoinGroup results (leader first). */
async function stableGroupOfTwo(
  t: TestContext,
  coordinator: GroupCoordinator,
  overrides: Partial<JoinGroupParams> = {},
) {
  const joiningA = coordinator.joinGroup(joinParams({ clientId: 'a', ...overrides }));
  const joiningB = coordinator.joinGroup(joinParams({ clientId: 'b', ...overrides }));
  passInitialDelayOfSeveral(t);
  const [a, b] = await Promise.all([joiningA, joiningB]);
  const leader = a.leaderId === a.memberId ? a : b;
  const follower = leader === a ? b : a;
  const sync = (member: JoinGroupResult, assignments: { memberId: string; assignment: Buffer }[] = []) =>
    coordinator.syncGroup(syncParams(member.memberId, member.generationId, { assignments }));
  const followerSync = sync(follower);
  await sync(leader, [
    { memberId: leader.memberId, assignment: Buffer.from('leader-part') },
    { memberId: follower.memberId, assignment: Buffer.from('follower-part') },
  ]);
  await followerSync;
  return { leader, follower };
}

test('two members joining an empty group get one leader, one generation, and their assignments via SyncGroup', async (t) => {
  const coordinator = openCoordinator(t);
  const joiningA = coordinator.joinGroup(
    joinParams({ clientId: 'a', protocols: [{ name: 'range', metadata: Buffer.from('A') }] }),
  );
  const joiningB = coordinator.joinGroup(
    joinParams({ clientId: 'b', protocols: [{ name: 'range', metadata: Buffer.from('B') }] }),
  );
  assert.equal(await isPending(joiningA), true, 'the first join waits for the initial rebalance delay');
  passInitialDelayOfSeveral(t);
  const [a, b] = await Promise.all([joiningA, joiningB]);

  assert.equal(a.errorCode, ErrorCode.NONE);
  assert.equal(b.errorCode, ErrorCode.NONE);
  assert.equal(a.generationId, 1);
  assert.equal(b.generationId, 1);
  assert.equal(a.leaderId, a.memberId, 'the first joiner leads');
  assert.equal(b.leaderId, a.memberId);
  assert.equal(a.protocolName, 'range');
  assert.equal(a.protocolType, 'consumer');
  assert.match(a.memberId, /^a-[0-9a-f-]{36}$/);
  assert.deepEqual(
    a.members.map((m) => [m.memberId, m.metadata.toString()]),
    [
      [a.memberId, 'A'],
      [b.memberId, 'B'],
    ],
  );
  assert.deepEqual(b.members, [], 'followers do not get the member list');

  const followerSync = coordinator.syncGroup(syncParams(b.memberId, 1));
  assert.equal(await isPending(followerSync), true, 'the follower waits for the leader');
  const leaderSync = coordinator.syncGroup(
    syncParams(a.memberId, 1, {
      assignments: [
        { memberId: a.memberId, assignment: Buffer.from('p0,p1') },
        { memberId: b.memberId, assignment: Buffer.from('p2') },
      ],
    }),
  );
  const [leaderResult, followerResult] = await Promise.all([leaderSync, followerSync]);
  assert.equal(leaderResult.errorCode, ErrorCode.NONE);
  assert.equal(leaderResult.assignment.toString(), 'p0,p1');
  assert.equal(followerResult.errorCode, ErrorCode.NONE);
  assert.equal(followerResult.assignment.toString(), 'p2');
  assert.equal(followerResult.protocolName, 'range');

  const [described] = coordinator.describeGroups(['orders']);
  assert.equal(described.state, 'Stable');
  assert.equal(described.protocolName, 'range');
  assert.deepEqual(
    described.members.map((m) => [m.clientId, m.assignment.toString(), m.metadata.toString()]),
    [
      ['a', 'p0,p1', 'A'],
      ['b', 'p2', 'B'],
    ],
  );
});

test('a third member joining makes the others rejoin through REBALANCE_IN_PROGRESS, and the generation increments', async (t) => {
  const coordinator = openCoordinator(t);
  const { leader, follower } = await stableGroupOfTwo(t, coordinator);

  const joiningC = coordinator.joinGroup(joinParams({ clientId: 'c' }));
  assert.equal(await isPending(joiningC), true);
  const heartbeat = (member: JoinGroupResult) =>
    coordinator.heartbeat(heartbeatParams(member.memberId, member.generationId));
  assert.equal(heartbeat(leader).errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
  assert.equal(heartbeat(follower).errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
  assert.equal(coordinator.describeGroups(['orders'])[0].state, 'PreparingRebalance');

  const rejoinedLeader = coordinator.joinGroup(joinParams({ clientId: 'a', memberId: leader.memberId }));
  assert.equal(await isPending(rejoinedLeader), true, 'the rebalance waits for every known member');
  const rejoinedFollower = coordinator.joinGroup(joinParams({ clientId: 'b', memberId: follower.memberId }));
  const [a, b, c] = await Promise.all([rejoinedLeader, rejoinedFollower, joiningC]);
  for (const result of [a, b, c]) {
    assert.equal(result.errorCode, ErrorCode.NONE);
    assert.equal(result.generationId, 2);
    assert.equal(result.leaderId, leader.memberId);
  }
  assert.equal(a.members.length, 3);
  assert.equal(heartbeat(leader).errorCode, ErrorCode.ILLEGAL_GENERATION, 'generation 1 is over');
  assert.equal(heartbeat(a).errorCode, ErrorCode.NONE);
});

test('a member that stops heartbeating expires after its session timeout and the group rebalances without it', async (t) => {
  const coordinator = openCoordinator(t);
  const { leader, follower } = await stableGroupOfTwo(t, coordinator);
  const heartbeat = (member: JoinGroupResult) =>
    coordinator.heartbeat(heartbeatParams(member.memberId, member.generationId));

  t.mock.timers.tick(SESSION_TIMEOUT_MS / 2);
  assert.equal(heartbeat(leader).errorCode, ErrorCode.NONE);
  assert.equal(heartbeat(follower).errorCode, ErrorCode.NONE);
  // From here on only the leader heartbeats.
  t.mock.timers.tick(SESSION_TIMEOUT_MS / 2);
  assert.equal(heartbeat(leader).errorCode, ErrorCode.NONE);
  t.mock.timers.tick(SESSION_TIMEOUT_MS / 2 - 1);
  assert.equal(heartbeat(leader).errorCode, ErrorCode.NONE, 'the follower’s session has not run out yet');
  t.mock.timers.tick(1);

  assert.equal(heartbeat(follower).errorCode, ErrorCode.UNKNOWN_MEMBER_ID, 'the silent follower is gone');
  assert.equal(heartbeat(leader).errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
  const rejoined = await coordinator.joinGroup(joinParams({ memberId: leader.memberId }));
  assert.equal(rejoined.generationId, 2);
  assert.deepEqual(
    rejoined.members.map((m) => m.memberId),
    [leader.memberId],
  );
});

test('members that do not rejoin within the rebalance timeout are removed', async (t) => {
  const coordinator = openCoordinator(t);
  const shortRebalance = { rebalanceTimeoutMs: 5000 };
  const { leader, follower } = await stableGroupOfTwo(t, coordinator, shortRebalance);
  const joiningC = coordinator.joinGroup(joinParams({ clientId: 'c', ...shortRebalance }));
  const rejoinedFollower = coordinator.joinGroup(joinParams({ memberId: follower.memberId, ...shortRebalance }));
  t.mock.timers.tick(4999);
  assert.equal(await isPending(joiningC), true);
  t.mock.timers.tick(1);
  const [b, c] = await Promise.all([rejoinedFollower, joiningC]);
  assert.equal(b.generationId, 2);
  assert.equal(c.generationId, 2);
  assert.equal(b.leaderId, follower.memberId, 'leadership passes to a member that rejoined');
  assert.deepEqual(b.members.map((m) => m.memberId).sort(), [follower.memberId, c.memberId].sort());
  const stale = coordinator.heartbeat(heartbeatParams(leader.memberId, 1));
  assert.equal(stale.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
});

test('a member leaving triggers a rebalance; the remaining member becomes leader', async (t) => {
  const coordinator = openCoordinator(t);
  const { leader, follower } = await stableGroupOfTwo(t, coordinator);
  const left = coordinator.leaveGroup(leaveParams(leader.memberId));
  assert.deepEqual(left, {
    errorCode: ErrorCode.NONE,
    members: [{ memberId: leader.memberId, groupInstanceId: null, errorCode: ErrorCode.NONE }],
  });
  const heartbeat = coordinator.heartbeat(heartbeatParams(follower.memberId, 1));
  assert.equal(heartbeat.errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
  const rejoined = await coordinator.joinGroup(joinParams({ memberId: follower.memberId }));
  assert.equal(rejoined.generationId, 2);
  assert.equal(rejoined.leaderId, follower.memberId);

  const unknown = coordinator.leaveGroup(leaveParams('nobody'));
  assert.equal(unknown.members[0].errorCode, ErrorCode.UNKNOWN_MEMBER_ID);

  coordinator.leaveGroup(leaveParams(follower.memberId));
  assert.equal(coordinator.describeGroups(['orders'])[0].state, 'Empty', 'the last member leaving empties the group');
});

test('JoinGroup v4+ without a member id answers MEMBER_ID_REQUIRED with an id to rejoin with (KIP-394)', async (t) => {
  const coordinator = openCoordinator(t);
  const first = await coordinator.joinGroup(joinParams({ requireKnownMemberId: true }));
  assert.equal(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  assert.match(first.memberId, /^client-[0-9a-f-]{36}$/);
  assert.equal(first.generationId, -1);
  assert.deepEqual(coordinator.describeGroups(['orders'])[0].members, [], 'not a member until it rejoins');

  const joining = coordinator.joinGroup(joinParams({ requireKnownMemberId: true, memberId: first.memberId }));
  t.mock.timers.tick(INITIAL_DELAY_MS);
  const joined = await joining;
  assert.equal(joined.errorCode, ErrorCode.NONE);
  assert.equal(joined.memberId, first.memberId);
  assert.equal(joined.leaderId, first.memberId);
  assert.equal(joined.generationId, 1);

  const madeUp = await coordinator.joinGroup(joinParams({ requireKnownMemberId: true, memberId: 'client-made-up' }));
  assert.equal(madeUp.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
});

test('a member id handed out with MEMBER_ID_REQUIRED that never comes back stops holding up rebalances', async (t) => {
  const coordinator = openCoordinator(t);
  const { leader, follower } = await stableGroupOfTwo(t, coordinator);
  const pending = await coordinator.joinGroup(joinParams({ requireKnownMemberId: true }));
  assert.equal(pending.errorCode, ErrorCode.MEMBER_ID_REQUIRED);

  coordinator.leaveGroup(leaveParams(follower.memberId));
  const rejoining = coordinator.joinGroup(joinParams({ memberId: leader.memberId }));
  assert.equal(await isPending(rejoining), true, 'the pending member may still join this rebalance');
  t.mock.timers.tick(SESSION_TIMEOUT_MS);
  const rejoined = await rejoining;
  assert.equal(rejoined.generationId, 2);
  assert.equal(rejoined.members.length, 1);
});

test('error codes: invalid group id and session timeout, unknown members, illegal generations, protocol mismatches', async (t) => {
  const coordinator = openCoordinator(t);
  assert.equal((await coordinator.joinGroup(joinParams({ groupId: '' }))).errorCode, ErrorCode.INVALID_GROUP_ID);
  assert.equal(
    (await coordinator.joinGroup(joinParams({ sessionTimeoutMs: 999 }))).errorCode,
    ErrorCode.INVALID_SESSION_TIMEOUT,
  );
  assert.equal(
    (await coordinator.joinGroup(joinParams({ sessionTimeoutMs: 60_001 }))).errorCode,
    ErrorCode.INVALID_SESSION_TIMEOUT,
  );
  assert.equal(
    (await coordinator.joinGroup(joinParams({ protocols: [] }))).errorCode,
    ErrorCode.INCONSISTENT_GROUP_PROTOCOL,
  );
  assert.equal(
    (await coordinator.joinGroup(joinParams({ memberId: 'stale-member' }))).errorCode,
    ErrorCode.UNKNOWN_MEMBER_ID,
    'a member id for a group that does not exist',
  );
  assert.deepEqual(coordinator.listGroups(), [], 'failed joins leave no group behind');

  const { leader, follower } = await stableGroupOfTwo(t, coordinator);
  const other = (protocolType: string, name: string) =>
    coordinator.joinGroup(joinParams({ protocolType, protocols: [{ name, metadata: Buffer.alloc(0) }] }));
  assert.equal((await other('connect', 'range')).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  assert.equal((await other('consumer', 'sticky')).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);

  const heartbeat = (memberId: string, generationId: number, groupId = 'orders') =>
    coordinator.heartbeat(heartbeatParams(memberId, generationId, { groupId })).errorCode;
  assert.equal(heartbeat(leader.memberId, 0), ErrorCode.ILLEGAL_GENERATION);
  assert.equal(heartbeat('nobody', 1), ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(heartbeat(leader.memberId, 1, 'no-such-group'), ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(heartbeat(leader.memberId, 1, ''), ErrorCode.INVALID_GROUP_ID);

  const sync = (overrides: { memberId?: string; generationId?: number; protocolName?: string | null }) =>
    coordinator.syncGroup(syncParams(follower.memberId, 1, overrides));
  assert.equal((await sync({ generationId: 7 })).errorCode, ErrorCode.ILLEGAL_GENERATION);
  assert.equal((await sync({ memberId: 'nobody' })).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal((await sync({ protocolName: 'roundrobin' })).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  assert.equal((await sync({ protocolName: null })).assignment.toString(), 'follower-part', 'v0-4 name no protocol');

  const joiningC = coordinator.joinGroup(joinParams({ clientId: 'c' }));
  assert.equal((await sync({})).errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
  assert.equal(await isPending(joiningC), true);
});

test('protocol selection: only protocols every member supports, by votes, ties to the leader’s preference', async (t) => {
  const coordinator = openCoordinator(t);
  const member = (clientId: string, names: string[], groupId = 'orders') =>
    coordinator.joinGroup(
      joinParams({ groupId, clientId, protocols: names.map((name) => ({ name, metadata: Buffer.from(name) })) }),
    );
  const tie = [member('a', ['roundrobin', 'range', 'sticky']), member('b', ['range', 'roundrobin'])];
  passInitialDelayOfSeveral(t);
  const [a] = await Promise.all(tie);
  assert.equal(a.protocolName, 'roundrobin', 'one vote each: the leader’s first choice wins');
  assert.deepEqual(
    a.members.map((m) => m.metadata.toString()),
    ['roundrobin', 'roundrobin'],
    'the leader sees each member’s metadata for the selected protocol',
  );

  const majority = [
    member('a', ['roundrobin', 'range'], 'g2'),
    member('b', ['range', 'roundrobin'], 'g2'),
    member('c', ['range', 'roundrobin'], 'g2'),
  ];
  passInitialDelayOfSeveral(t);
  const [g2] = await Promise.all(majority);
  assert.equal(g2.protocolName, 'range', 'two votes beat the leader’s one');
});

test('a static member rejoining with its instance id replaces its old incarnation without a rebalance (KIP-345)', async (t) => {
  const coordinator = openCoordinator(t);
  const joiningA = coordinator.joinGroup(
    joinParams({ clientId: 'a', groupInstanceId: 'instance-a', requireKnownMemberId: true }),
  );
  const joiningB = coordinator.joinGroup(
    joinParams({ clientId: 'b', groupInstanceId: 'instance-b', requireKnownMemberId: true }),
  );
  passInitialDelayOfSeveral(t);
  const [a, b] = await Promise.all([joiningA, joiningB]);
  assert.equal(a.errorCode, ErrorCode.NONE, 'static members get their id at once, without MEMBER_ID_REQUIRED');
  assert.match(a.memberId, /^instance-a-/);
  const syncOf = (memberId: string, assignments: { memberId: string; assignment: Buffer }[] = []) =>
    coordinator.syncGroup(syncParams(memberId, 1, { protocolType: null, protocolName: null, assignments }));
  await Promise.all([
    syncOf(b.memberId),
    syncOf(a.memberId, [
      { memberId: a.memberId, assignment: Buffer.from('A') },
      { memberId: b.memberId, assignment: Buffer.from('B') },
    ]),
  ]);

  // The leader restarts: same instance id, no member id.
  const restarted = await coordinator.joinGroup(
    joinParams({
      clientId: 'a',
      groupInstanceId: 'instance-a',
      requireKnownMemberId: true,
      supportsSkipAssignment: true,
    }),
  );
  assert.equal(restarted.errorCode, ErrorCode.NONE);
  assert.notEqual(restarted.memberId, a.memberId);
  assert.equal(restarted.generationId, 1, 'no rebalance');
  assert.equal(restarted.leaderId, restarted.memberId);
  assert.equal(restarted.skipAssignment, true, 'the stable assignment stands (KIP-814)');
  const resynced = await syncOf(restarted.memberId);
  assert.equal(resynced.assignment.toString(), 'A', 'the new incarnation keeps its assignment');

  const heartbeat = (memberId: string, groupInstanceId: string) =>
    coordinator.heartbeat(heartbeatParams(memberId, 1, { groupInstanceId })).errorCode;
  assert.equal(heartbeat(a.memberId, 'instance-a'), ErrorCode.FENCED_INSTANCE_ID, 'the old incarnation is fenced');
  assert.equal(heartbeat(restarted.memberId, 'instance-a'), ErrorCode.NONE);
  assert.equal(heartbeat(b.memberId, 'instance-b'), ErrorCode.NONE, 'the other member is not disturbed');

  const left = coordinator.leaveGroup({
    groupId: 'orders',
    members: [{ memberId: '', groupInstanceId: 'instance-b' }],
  });
  assert.equal(left.members[0].errorCode, ErrorCode.NONE, 'a static member may leave by instance id alone');
  assert.equal(heartbeat(restarted.memberId, 'instance-a'), ErrorCode.REBALANCE_IN_PROGRESS);
});

test('an empty group’s first rebalance waits the initial delay, extended while new members keep arriving', async (t) => {
  const coordinator = openCoordinator(t);
  const joiningA = coordinator.joinGroup(joinParams({ clientId: 'a' }));
  t.mock.timers.tick(INITIAL_DELAY_MS - 1);
  const joiningB = coordinator.joinGroup(joinParams({ clientId: 'b' }));
  t.mock.timers.tick(1);
  assert.equal(await isPending(joiningA), true, 'a member arrived during the delay, so it is extended');
  t.mock.timers.tick(INITIAL_DELAY_MS);
  const [a, b] = await Promise.all([joiningA, joiningB]);
  assert.equal(a.generationId, 1);
  assert.equal(b.generationId, 1);
});

test('a leader that never sends SyncGroup is removed after the rebalance timeout, and the followers rejoin', async (t) => {
  const coordinator = openCoordinator(t);
  // Shorter than the session timeout, so the leader is removed for not syncing rather than for not heartbeating.
  const rebalanceTimeoutMs = SESSION_TIMEOUT_MS / 2;
  const joiningA = coordinator.joinGroup(joinParams({ clientId: 'a', rebalanceTimeoutMs }));
  const joiningB = coordinator.joinGroup(joinParams({ clientId: 'b', rebalanceTimeoutMs }));
  passInitialDelayOfSeveral(t);
  const [a, b] = await Promise.all([joiningA, joiningB]);
  const followerSync = coordinator.syncGroup(syncParams(b.memberId, 1));
  t.mock.timers.tick(rebalanceTimeoutMs - 1);
  assert.equal(await isPending(followerSync), true);
  t.mock.timers.tick(1);
  assert.equal((await followerSync).errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
  const rejoined = await coordinator.joinGroup(joinParams({ memberId: b.memberId, rebalanceTimeoutMs }));
  assert.equal(rejoined.generationId, 2);
  assert.equal(rejoined.leaderId, b.memberId);
  const stale = coordinator.heartbeat(heartbeatParams(a.memberId, 1));
  assert.equal(stale.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
});

test('close() answers parked JoinGroups with COORDINATOR_NOT_AVAILABLE and refuses further requests', async (t) => {
  const coordinator = openCoordinator(t);
  const joining = coordinator.joinGroup(joinParams());
  await coordinator.close();
  assert.equal((await joining).errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
  assert.equal((await coordinator.joinGroup(joinParams())).errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
  assert.equal(coordinator.heartbeat(heartbeatParams('m', 1)).errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
});
