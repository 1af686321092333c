// Committed offsets as a consumer relies on them: commit and fetch with metadata, the membership checks on group
// commits, survival across a coordinator restart (including a crash that tore the last write), and the rules
// for listing, describing and deleting groups.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import pino from 'pino';
import type { JoinGroupParams, OffsetCommitParams } from '../src/groups/coordinator-types.ts';
import { GroupCoordinator, type GroupCoordinatorOptions } from '../src/groups/group-coordinator.ts';
import { OFFSETS_LOG_FILE } from '../src/groups/offset-store.ts';
import { ErrorCode } from '../src/protocol/error-codes.ts';

const silentLog = pino({ level: 'silent' });

function dataDirectory(t: TestContext): string {
  const dataDir = mkdtempSync(join(tmpdir(), 'orderflow-offsets-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  return dataDir;
}

function openCoordinator(t: TestContext, dataDir: string, options: Partial<GroupCoordinatorOptions> = {}) {
  const coordinator = GroupCoordinator.open({ dataDir, log: silentLog, initialRebalanceDelayMs: 0, ...options });
  t.after(() => coordinator.close());
  return coordinator;
}

function simpleCommit(
  groupId: string,
  offsets: [topic: string, partition: number, offset: bigint, metadata?: string | null][],
): OffsetCommitParams {
  return {
    groupId,
    generationId: -1,
    memberId: '',
    groupInstanceId: null,
    offsets: offsets.map(([topic, partition, offset, metadata = null]) => ({
      topic,
      partition,
      offset,
      leaderEpoch: -1,
      metadata,
    })),
  };
}

function joinParams(overrides: Partial<JoinGroupParams> = {}): JoinGroupParams {
  return {
    groupId: 'orders',
    memberId: '',
    groupInstanceId: null,
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 30_000,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.alloc(0) }],
    clientId: 'client',
    clientHost: '',
    requireKnownMemberId: false,
    supportsSkipAssignment: false,
    ...overrides,
  };
}

function committedOffset(coordinator: GroupCoordinator, groupId: string, topic: string, partition: number) {
  const result = coordinator.fetchOffsets({
    groupId,
    topics: [{ name: topic, partitions: [partition] }],
    requireStable: false,
  });
  const fetched = result.topics[0].partitions[0];
  return { offset: fetched.offset, metadata: fetched.metadata, leaderEpoch: fetched.leaderEpoch };
}

test('committed offsets come back with their metadata; partitions never committed answer -1', async (t) => {
  const coordinator = openCoordinator(t, dataDirectory(t));
  const results = await coordinator.commitOffsets({
    groupId: 'billing',
    generationId: -1,
    memberId: '',
    groupInstanceId: null,
    offsets: [
      { topic: 'orders', partition: 0, offset: 42n, leaderEpoch: 3, metadata: 'checkpoint-a' },
      { topic: 'orders', partition: 2, offset: 7n, leaderEpoch: -1, metadata: null },
      { topic: 'payments', partition: 0, offset: 2n ** 40n, leaderEpoch: -1, metadata: '' },
    ],
  });
  assert.deepEqual(
    results.map((r) => r.errorCode),
    [ErrorCode.NONE, ErrorCode.NONE, ErrorCode.NONE],
  );

  const fetched = coordinator.fetchOffsets({
    groupId: 'billing',
    topics: [
      { name: 'orders', partitions: [0, 1, 2] },
      { name: 'unknown-topic', partitions: [0] },
    ],
    requireStable: true,
  });
  assert.equal(fetched.errorCode, ErrorCode.NONE);
  assert.deepEqual(fetched.topics, [
    {
      name: 'orders',
      partitions: [
        { partition: 0, offset: 42n, leaderEpoch: 3, metadata: 'checkpoint-a', errorCode: ErrorCode.NONE },
        { partition: 1, offset: -1n, leaderEpoch: -1, metadata: '', errorCode: ErrorCode.NONE },
        { partition: 2, offset: 7n, leaderEpoch: -1, metadata: '', errorCode: ErrorCode.NONE },
      ],
    },
    {
      name: 'unknown-topic',
      partitions: [{ partition: 0, offset: -1n, leaderEpoch: -1, metadata: '', errorCode: ErrorCode.NONE }],
    },
  ]);

  const all = coordinator.fetchOffsets({ groupId: 'billing', topics: null, requireStable: false });
  assert.deepEqual(
    all.topics.map((topic) => [topic.name, topic.partitions.map((p) => [p.partition, p.offset])]),
    [
      [
        'orders',
        [
          [0, 42n],
          [2, 7n],
        ],
      ],
      ['payments', [[0, 2n ** 40n]]],
    ],
  );
  assert.deepEqual(coordinator.fetchOffsets({ groupId: 'nobody', topics: null, requireStable: false }).topics, []);

  await coordinator.commitOffsets(simpleCommit('billing', [['orders', 0, 50n, 'checkpoint-b']]));
  assert.deepEqual(committedOffset(coordinator, 'billing', 'orders', 0), {
    offset: 50n,
    metadata: 'checkpoint-b',
    leaderEpoch: -1,
  });
});

test('metadata over offset.metadata.max.bytes is refused for that partition only', async (t) => {
  const coordinator = openCoordinator(t, dataDirectory(t), { maxOffsetMetadataBytes: 8 });
  const results = await coordinator.commitOffsets(
    simpleCommit('billing', [
      ['orders', 0, 1n, '12345678'],
      ['orders', 1, 1n, '123456789'],
    ]),
  );
  assert.deepEqual(
    results.map((r) => r.errorCode),
    [ErrorCode.NONE, ErrorCode.OFFSET_METADATA_TOO_LARGE],
  );
  assert.equal(committedOffset(coordinator, 'billing', 'orders', 1).offset, -1n);
});

test('group commits are checked against the member and generation; simple commits only while the group is empty', async (t) => {
  const coordinator = openCoordinator(t, dataDirectory(t));
  const member = await coordinator.joinGroup(joinParams());
  assert.equal(member.generationId, 1);
  const commit = (generationId: number, memberId: string) =>
    coordinator
      .commitOffsets({
        groupId: 'orders',
        generationId,
        memberId,
        groupInstanceId: null,
        offsets: [{ topic: 'orders', partition: 0, offset: 10n, leaderEpoch: -1, metadata: null }],
      })
      .then((results) => results[0].errorCode);

  assert.equal(await commit(1, member.memberId), ErrorCode.REBALANCE_IN_PROGRESS, 'joined but not yet synced');
  await coordinator.syncGroup({
    groupId: 'orders',
    generationId: 1,
    memberId: member.memberId,
    groupInstanceId: null,
    protocolType: null,
    protocolName: null,
    assignments: [{ memberId: member.memberId, assignment: Buffer.from('all') }],
  });
  assert.equal(await commit(1, member.memberId), ErrorCode.NONE);
  assert.equal(await commit(0, member.memberId), ErrorCode.ILLEGAL_GENERATION);
  assert.equal(await commit(1, 'someone-else'), ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(await commit(-1, ''), ErrorCode.UNKNOWN_MEMBER_ID, 'a simple commit into a group with members');
  assert.equal(await commit(3, 'x'), ErrorCode.UNKNOWN_MEMBER_ID);
  const unknownGroup = await coordinator.commitOffsets({
    groupId: 'never-joined',
    generationId: 4,
    memberId: 'm',
    groupInstanceId: null,
    offsets: [{ topic: 'orders', partition: 0, offset: 1n, leaderEpoch: -1, metadata: null }],
  });
  assert.equal(unknownGroup[0].errorCode, ErrorCode.ILLEGAL_GENERATION);
  assert.equal(committedOffset(coordinator, 'orders', 'orders', 0).offset, 10n);

  coordinator.leaveGroup({ groupId: 'orders', members: [{ memberId: member.memberId, groupInstanceId: null }] });
  assert.equal(await commit(-1, ''), ErrorCode.NONE, 'an empty group takes simple commits (e.g. offset resets)');
});

test('offsets and groups survive closing and reopening the coordinator on the same data directory', async (t) => {
  const dataDir = dataDirectory(t);
  const first = openCoordinator(t, dataDir);
  const member = await first.joinGroup(joinParams());
  await first.syncGroup({
    groupId: 'orders',
    generationId: member.generationId,
    memberId: member.memberId,
    groupInstanceId: null,
    protocolType: null,
    protocolName: null,
    assignments: [],
  });
  await first.commitOffsets({
    groupId: 'orders',
    generationId: member.generationId,
    memberId: member.memberId,
    groupInstanceId: null,
    offsets: [{ topic: 'orders', partition: 1, offset: 99n, leaderEpoch: 2, metadata: 'm1' }],
  });
  await first.commitOffsets(simpleCommit('audit', [['payments', 0, 5n]]));
  await first.close();

  const second = openCoordinator(t, dataDir);
  assert.deepEqual(committedOffset(second, 'orders', 'orders', 1), { offset: 99n, metadata: 'm1', leaderEpoch: 2 });
  assert.equal(committedOffset(second, 'audit', 'payments', 0).offset, 5n);
  assert.deepEqual(
    second.listGroups().sort((a, b) => a.groupId.localeCompare(b.groupId)),
    [
      { groupId: 'audit', protocolType: '', state: 'Empty', type: 'classic' },
      { groupId: 'orders', protocolType: 'consumer', state: 'Empty', type: 'classic' },
    ],
  );
  const rejoined = await second.joinGroup(joinParams());
  assert.equal(rejoined.generationId, member.generationId + 1, 'generations keep counting across restarts');
});

test('reopening compacts the offsets log down to the latest commits', async (t) => {
  const dataDir = dataDirectory(t);
  const first = openCoordinator(t, dataDir);
  for (let offset = 1n; offset <= 50n; offset++)
    await first.commitOffsets(simpleCommit('billing', [['orders', 0, offset]]));
  await first.close();
  const logPath = join(dataDir, OFFSETS_LOG_FILE);
  const sizeBefore = statSync(logPath).size;

  const second = openCoordinator(t, dataDir);
  assert.ok(statSync(logPath).size < sizeBefore / 10, 'superseded commits are dropped');
  assert.equal(committedOffset(second, 'billing', 'orders', 0).offset, 50n);
  await second.close();
  const third = openCoordinator(t, dataDir);
  assert.equal(committedOffset(third, 'billing', 'orders', 0).offset, 50n, 'the compacted log reads back the same');
});

test('a torn last frame in the offsets log (a crash mid-write) is ignored and later commits persist', async (t) => {
  const dataDir = dataDirectory(t);
  const first = openCoordinator(t, dataDir);
  await first.commitOffsets(simpleCommit('billing', [['orders', 0, 5n]]));
  await first.commitOffsets(simpleCommit('billing', [['orders', 1, 9n]]));
  await first.close();
  const logPath = join(dataDir, OFFSETS_LOG_FILE);
  truncateSync(logPath, statSync(logPath).size - 3);

  const second = openCoordinator(t, dataDir);
  assert.equal(committedOffset(second, 'billing', 'orders', 0).offset, 5n, 'whole frames before the tear are kept');
  assert.equal(committedOffset(second, 'billing', 'orders', 1).offset, -1n, 'the torn commit is gone');
  await second.commitOffsets(simpleCommit('billing', [['orders', 1, 10n]]));
  await second.close();
  // Garbage after the last whole frame, as a crash during a header write leaves it.
  appendFileSync(logPath, Buffer.from([0, 0, 1]));

  const third = openCoordinator(t, dataDir);
  assert.equal(committedOffset(third, 'billing', 'orders', 0).offset, 5n);
  assert.equal(committedOffset(third, 'billing', 'orders', 1).offset, 10n);
});

test('DeleteGroups: unknown groups are not found, groups with members are refused, empty groups lose their offsets', async (t) => {
  const dataDir = dataDirectory(t);
  const coordinator = openCoordinator(t, dataDir);
  await coordinator.commitOffsets(simpleCommit('billing', [['orders', 0, 5n]]));
  const member = await coordinator.joinGroup(joinParams({ groupId: 'busy' }));
  assert.equal(member.errorCode, ErrorCode.NONE);

  assert.deepEqual(await coordinator.deleteGroups(['nobody', 'busy', 'billing']), [
    { groupId: 'nobody', errorCode: ErrorCode.GROUP_ID_NOT_FOUND },
    { groupId: 'busy', errorCode: ErrorCode.NON_EMPTY_GROUP },
    { groupId: 'billing', errorCode: ErrorCode.NONE },
  ]);
  assert.equal(committedOffset(coordinator, 'billing', 'orders', 0).offset, -1n);
  assert.deepEqual(
    coordinator.listGroups().map((g) => g.groupId),
    ['busy'],
  );
  assert.deepEqual(await coordinator.deleteGroups(['billing']), [
    { groupId: 'billing', errorCode: ErrorCode.GROUP_ID_NOT_FOUND },
  ]);

  coordinator.leaveGroup({ groupId: 'busy', members: [{ memberId: member.memberId, groupInstanceId: null }] });
  assert.deepEqual(await coordinator.deleteGroups(['busy']), [{ groupId: 'busy', errorCode: ErrorCode.NONE }]);
  await coordinator.close();

  const reopened = openCoordinator(t, dataDir);
  assert.deepEqual(reopened.listGroups(), [], 'deletions are durable');
  assert.equal(committedOffset(reopened, 'billing', 'orders', 0).offset, -1n);
});

test('ListGroups filters by state and type; DescribeGroups reports unknown groups as Dead', async (t) => {
  const coordinator = openCoordinator(t, dataDirectory(t));
  await coordinator.commitOffsets(simpleCommit('idle', [['orders', 0, 1n]]));
  const member = await coordinator.joinGroup(joinParams({ groupId: 'working' }));

  const ids = (filter: Parameters<GroupCoordinator['listGroups']>[0]) =>
    coordinator
      .listGroups(filter)
      .map((g) => `${g.groupId}:${g.state}`)
      .sort();
  assert.deepEqual(ids({}), ['idle:Empty', 'working:CompletingRebalance']);
  assert.deepEqual(ids({ states: ['empty'] }), ['idle:Empty'], 'states match case-insensitively');
  assert.deepEqual(ids({ states: ['Stable'] }), []);
  assert.deepEqual(ids({ types: ['classic'] }), ['idle:Empty', 'working:CompletingRebalance']);
  assert.deepEqual(ids({ types: ['consumer'] }), [], 'no KIP-848 groups here');

  const [working, unknown] = coordinator.describeGroups(['working', 'unknown']);
  assert.equal(working.state, 'CompletingRebalance');
  assert.equal(working.protocolType, 'consumer');
  assert.equal(working.protocolName, '', 'the protocol is only reported once Stable');
  assert.deepEqual(
    working.members.map((m) => m.memberId),
    [member.memberId],
  );
  assert.deepEqual(unknown, {
    groupId: 'unknown',
    errorCode: ErrorCode.NONE,
    state: 'Dead',
    protocolType: '',
    protocolName: '',
    members: [],
  });
});
