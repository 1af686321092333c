// The group and offset APIs as a client sees them on the wire: every request is encoded and decoded with the
// generated codecs at each version this broker advertises, handled, and the response encoded and decoded again,
// so a field a version lacks or a value a version cannot carry fails here rather than in a client.
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { offsetCommitHandler } from '../src/apis/08-offset-commit.ts';
import { offsetFetchHandler } from '../src/apis/09-offset-fetch.ts';
import { findCoordinatorHandler } from '../src/apis/10-find-coordinator.ts';
import { joinGroupHandler } from '../src/apis/11-join-group.ts';
import { heartbeatHandler } from '../src/apis/12-heartbeat.ts';
import { leaveGroupHandler } from '../src/apis/13-leave-group.ts';
import { syncGroupHandler } from '../src/apis/14-sync-group.ts';
import { describeGroupsHandler } from '../src/apis/15-describe-groups.ts';
import { listGroupsHandler } from '../src/apis/16-list-groups.ts';
import { deleteGroupsHandler } from '../src/apis/42-delete-groups.ts';
import type { RequestContext } from '../src/apis/api-handler.ts';
import { ErrorCode } from '../src/protocol/error-codes.ts';
import { call, NODE_ID, openContext } from './apis-admin-support.ts';

const HOST = 'broker.test';
const PORT = 19092;

/** A handler context with topic 'orders' (3 partitions), its client named 'client'. */
function openBroker(t: TestContext): RequestContext {
  const context = openContext(t);
  assert.equal(context.broker.logs.createTopic('orders', 3).errorCode, ErrorCode.NONE);
  return { ...context, clientId: 'client' };
}

test('FindCoordinator names this broker for every group, batched at v4+, and refuses transaction coordinators', async (t) => {
  const context = openBroker(t);
  for (let version = 0; version <= 3; version++) {
    const response = await call(context, findCoordinatorHandler, version, {
      key: 'orders',
      ...(version >= 1 ? { keyType: 0 } : {}),
    });
    assert.equal(response.errorCode, ErrorCode.NONE, `v${version}`);
    assert.deepEqual([response.nodeId, response.host, response.port], [NODE_ID, HOST, PORT], `v${version}`);
  }
  for (let version = 4; version <= 6; version++) {
    const response = await call(context, findCoordinatorHandler, version, { keyType: 0, coordinatorKeys: ['a', 'b'] });
    assert.deepEqual(
      response.coordinators?.map((c) => [c.key, c.nodeId, c.host, c.port, c.errorCode]),
      [
        ['a', NODE_ID, HOST, PORT, ErrorCode.NONE],
        ['b', NODE_ID, HOST, PORT, ErrorCode.NONE],
      ],
      `v${version}`,
    );
  }
  const transactional = await call(context, findCoordinatorHandler, 1, { key: 'tx-1', keyType: 1 });
  assert.equal(transactional.errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  const batchedTransactional = await call(context, findCoordinatorHandler, 4, {
    keyType: 1,
    coordinatorKeys: ['tx-1'],
  });
  assert.equal(batchedTransactional.coordinators?.[0].errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);

  await context.broker.groups.close();
  const closing = await call(context, findCoordinatorHandler, 4, { keyType: 0, coordinatorKeys: ['a'] });
  assert.equal(closing.coordinators?.[0].errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
});

// One consumer's life in a group, at each JoinGroup version with the matching versions of the other APIs.
for (let version = 0; version <= 9; version++) {
  test(`a consumer's life in a group over the wire, JoinGroup v${version}`, async (t) => {
    const context = openBroker(t);
    const groupId = `group-v${version}`;
    const commitVersion = version;
    const fetchVersion = version;

    // A simple commit (no generation) into a group nobody has joined yet, as offset-reset tools do.
    const simpleCommit = await call(context, offsetCommitHandler, commitVersion, {
      groupId,
      ...(commitVersion >= 1 ? { generationIdOrMemberEpoch: -1, memberId: '' } : {}),
      topics: [
        {
          name: 'orders',
          partitions: [
            { partitionIndex: 0, committedOffset: 17n, committedMetadata: 'reset' },
            { partitionIndex: 3, committedOffset: 1n, committedMetadata: null },
          ],
        },
        { name: 'missing', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedMetadata: null }] },
      ],
    });
    assert.deepEqual(
      simpleCommit.topics.map((topic) => [topic.name, topic.partitions.map((p) => [p.partitionIndex, p.errorCode])]),
      [
        [
          'orders',
          [
            [0, ErrorCode.NONE],
            [3, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
          ],
        ],
        ['missing', [[0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]],
      ],
    );

    const fetchOffsets = async (topics: { name: string; partitionIndexes: number[] }[] | null) => {
      if (fetchVersion >= 8) {
        const response = await call(context, offsetFetchHandler, fetchVersion, { groups: [{ groupId, topics }] });
        assert.equal(response.groups?.[0].groupId, groupId);
        return response.groups?.[0].topics ?? [];
      }
      const response = await call(context, offsetFetchHandler, fetchVersion, { groupId, topics: topics ?? null });
      return response.topics ?? [];
    };
    const fetched = await fetchOffsets([{ name: 'orders', partitionIndexes: [0, 1] }]);
    assert.deepEqual(
      fetched[0].partitions.map((p) => [p.partitionIndex, p.committedOffset, p.metadata, p.errorCode]),
      [
        [0, 17n, 'reset', ErrorCode.NONE],
        [1, -1n, '', ErrorCode.NONE],
      ],
    );
    if (fetchVersion >= 2) {
      const all = await fetchOffsets(null);
      assert.deepEqual(
        all.map((topic) => [topic.name, topic.partitions.map((p) => p.committedOffset)]),
        [['orders', [17n]]],
      );
    }

    // Join: v4+ first get a member id (KIP-394).
    const joinRequest = (memberId: string) => ({
      groupId,
      sessionTimeoutMs: 10_000,
      ...(version >= 1 ? { rebalanceTimeoutMs: 20_000 } : {}),
      memberId,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.from('subscription') }],
    });
    let joined = await call(context, joinGroupHandler, version, joinRequest(''));
    if (version >= 4) {
      assert.equal(joined.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
      assert.equal(joined.protocolName, version >= 7 ? null : '');
      assert.match(joined.memberId, /^client-/);
      joined = await call(context, joinGroupHandler, version, joinRequest(joined.memberId));
    }
    assert.equal(joined.errorCode, ErrorCode.NONE);
    assert.equal(joined.generationId, 1);
    assert.equal(joined.leader, joined.memberId);
    assert.equal(joined.protocolName, 'range');
    if (version >= 7) assert.equal(joined.protocolType, 'consumer');
    assert.deepEqual(
      joined.members.map((m) => [m.memberId, m.metadata.toString()]),
      [[joined.memberId, 'subscription']],
    );
    const memberId = joined.memberId;

    const syncVersion = Math.min(version, 5);
    const synced = await call(context, syncGroupHandler, syncVersion, {
      groupId,
      generationId: 1,
      memberId,
      ...(syncVersion >= 5 ? { protocolType: 'consumer', protocolName: 'range' } : {}),
      assignments: [{ memberId, assignment: Buffer.from('orders:0,1,2') }],
    });
    assert.equal(synced.errorCode, ErrorCode.NONE);
    assert.equal(synced.assignment.toString(), 'orders:0,1,2');
    if (syncVersion >= 5) assert.equal(synced.protocolName, 'range');

    const heartbeatVersion = Math.min(version, 4);
    const heartbeat = await call(context, heartbeatHandler, heartbeatVersion, { groupId, generationId: 1, memberId });
    assert.equal(heartbeat.errorCode, ErrorCode.NONE);
    const staleHeartbeat = await call(context, heartbeatHandler, heartbeatVersion, {
      groupId,
      generationId: 0,
      memberId,
    });
    assert.equal(staleHeartbeat.errorCode, ErrorCode.ILLEGAL_GENERATION);

    if (commitVersion >= 1) {
      const memberCommit = await call(context, offsetCommitHandler, commitVersion, {
        groupId,
        generationIdOrMemberEpoch: 1,
        memberId,
        topics: [{ name: 'orders', partitions: [{ partitionIndex: 2, committedOffset: 5n, committedMetadata: 'm' }] }],
      });
      assert.equal(memberCommit.topics[0].partitions[0].errorCode, ErrorCode.NONE);
    }

    const describeVersion = Math.min(version, 5);
    const described = await call(context, describeGroupsHandler, describeVersion, {
      groups: [groupId],
      ...(describeVersion >= 3 ? { includeAuthorizedOperations: false } : {}),
    });
    const group = described.groups[0];
    assert.deepEqual(
      [group.errorCode, group.groupState, group.protocolType, group.protocolData],
      [ErrorCode.NONE, 'Stable', 'consumer', 'range'],
    );
    assert.deepEqual(
      group.members.map((m) => [m.memberId, m.clientId, m.memberAssignment.toString()]),
      [[memberId, 'client', 'orders:0,1,2']],
    );

    const listVersion = Math.min(version, 5);
    const listed = await call(context, listGroupsHandler, listVersion, {
      ...(listVersion >= 4 ? { statesFilter: ['Stable'] } : {}),
      ...(listVersion >= 5 ? { typesFilter: ['classic'] } : {}),
    });
    assert.equal(listed.errorCode, ErrorCode.NONE);
    assert.deepEqual(
      listed.groups.map((g) => [g.groupId, g.protocolType]),
      [[groupId, 'consumer']],
    );
    if (listVersion >= 4) assert.equal(listed.groups[0].groupState, 'Stable');
    if (listVersion >= 5) assert.equal(listed.groups[0].groupType, 'classic');

    const deleteVersion = Math.min(version, 2);
    const refused = await call(context, deleteGroupsHandler, deleteVersion, { groupsNames: [groupId] });
    assert.equal(refused.results[0].errorCode, ErrorCode.NON_EMPTY_GROUP);

    const leaveVersion = Math.min(version, 5);
    const left = await call(
      context,
      leaveGroupHandler,
      leaveVersion,
      leaveVersion >= 3 ? { groupId, members: [{ memberId, groupInstanceId: null }] } : { groupId, memberId },
    );
    assert.equal(left.errorCode, ErrorCode.NONE);
    if (leaveVersion >= 3)
      assert.deepEqual(
        left.members?.map((m) => [m.memberId, m.errorCode]),
        [[memberId, ErrorCode.NONE]],
      );
    const leftAgain = await call(
      context,
      leaveGroupHandler,
      leaveVersion,
      leaveVersion >= 3 ? { groupId, members: [{ memberId, groupInstanceId: null }] } : { groupId, memberId },
    );
    if (leaveVersion >= 3) assert.equal(leftAgain.members?.[0].errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    else assert.equal(leftAgain.errorCode, ErrorCode.UNKNOWN_MEMBER_ID, 'v0-2 report the member error at the top');

    const deleted = await call(context, deleteGroupsHandler, deleteVersion, { groupsNames: [groupId, 'unknown'] });
    assert.deepEqual(
      deleted.results.map((r) => [r.groupId, r.errorCode]),
      [
        [groupId, ErrorCode.NONE],
        ['unknown', ErrorCode.GROUP_ID_NOT_FOUND],
      ],
    );
    const afterDelete = await fetchOffsets([{ name: 'orders', partitionIndexes: [0] }]);
    assert.equal(afterDelete[0].partitions[0].committedOffset, -1n);
  });
}

test('OffsetFetch v8+ answers several groups at once, each with its own offsets', async (t) => {
  const context = openBroker(t);
  for (const [groupId, offset] of [
    ['a', 1n],
    ['b', 2n],
  ] as const) {
    await call(context, offsetCommitHandler, 8, {
      groupId,
      generationIdOrMemberEpoch: -1,
      memberId: '',
      topics: [
        { name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: offset, committedMetadata: null }] },
      ],
    });
  }
  const response = await call(context, offsetFetchHandler, 8, {
    groups: [
      { groupId: 'a', topics: [{ name: 'orders', partitionIndexes: [0] }] },
      { groupId: 'b', topics: null },
      { groupId: 'c', topics: null },
    ],
    requireStable: true,
  });
  assert.deepEqual(
    response.groups?.map((g) => [g.groupId, g.errorCode, g.topics.map((topic) => topic.partitions[0].committedOffset)]),
    [
      ['a', ErrorCode.NONE, [1n]],
      ['b', ErrorCode.NONE, [2n]],
      ['c', ErrorCode.NONE, []],
    ],
  );
});

test('DescribeGroups v3+ reports the group operations when asked (KIP-430)', async (t) => {
  const context = openBroker(t);
  const asked = await call(context, describeGroupsHandler, 5, { groups: ['g'], includeAuthorizedOperations: true });
  const notAsked = await call(context, describeGroupsHandler, 5, { groups: ['g'], includeAuthorizedOperations: false });
  assert.equal(asked.groups[0].groupState, 'Dead');
  assert.equal(asked.groups[0].authorizedOperations, (1 << 3) | (1 << 6) | (1 << 8), 'READ, DELETE, DESCRIBE');
  assert.equal(notAsked.groups[0].authorizedOperations, -2147483648);
});
