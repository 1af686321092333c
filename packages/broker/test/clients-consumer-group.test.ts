// A consumer group of confluent-kafka (librdkafka) processes over a 6-partition topic, with the cooperative-sticky
// assignor, while a kafkajs producer keeps producing numbered records. The group rebalances as a fourth member
// joins, as one member leaves cleanly (close), and as one is SIGKILLed (its partitions move after the 6 s session
// timeout). Members commit what they processed after every poll and before giving up a partition, so:
//   - across the join and the clean leave every record is processed exactly once by the group;
//   - across the kill nothing is lost, and the only records processed twice are ones the killed member processed
//     but had not committed, processed again by the member that took its partition over.
// After every rebalance the broker's DescribeGroups (kafkajs admin) must show each of the 6 partitions assigned to
// exactly one member, and the members' own assignment callbacks must agree with it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Admin, AssignerProtocol } from 'kafkajs';
import { startTestBroker } from './broker-test-support.ts';
import { clientScript, JsonLineProcess, PYTHON } from './clients/client-processes.ts';
import { kafkajsClient } from './clients/node-clients.ts';

const TOPIC = 'fulfilment-orders';
const GROUP = 'fulfilment';
const PARTITIONS = [0, 1, 2, 3, 4, 5];

interface Processing {
  readonly member: string;
  readonly partition: number;
  readonly offset: number;
  readonly value: number;
  /** Index of the line in the member's output, to order it against the member's commits. */
  readonly line: number;
}

class Member {
  readonly name: string;
  readonly process: JsonLineProcess;
  constructor(name: string, bootstrap: string) {
    this.name = name;
    this.process = new JsonLineProcess(
      PYTHON,
      [clientScript('confluent_client.py'), bootstrap, 'group-member', TOPIC, GROUP, name],
      { name },
    );
  }

  /** The partitions this member believes it owns, from its assigned/revoked/lost callbacks. */
  owned(): number[] {
    const owned = new Set<number>();
    for (const line of this.process.lines) {
      const partitions = (line.partitions ?? []) as number[];
      if (line.event === 'assigned') for (const p of partitions) owned.add(p);
      if (line.event === 'revoked' || line.event === 'lost') for (const p of partitions) owned.delete(p);
    }
    return [...owned].sort((a, b) => a - b);
  }

  processed(): Processing[] {
    const result: Processing[] = [];
    this.process.lines.forEach((line, index) => {
      if (line.event !== 'record') return;
      result.push({
        member: this.name,
        partition: line.partition as number,
        offset: line.offset as number,
        value: Number(line.value),
        line: index,
      });
    });
    return result;
  }

  /** The offset of this member's last reported commit for each partition. */
  lastCommitted(): Map<number, number> {
    const committed = new Map<number, number>();
    for (const line of this.process.lines) {
      if (line.event !== 'committed') continue;
      for (const [partition, offset] of line.offsets as [number, number][]) committed.set(partition, offset);
    }
    return committed;
  }

  events(kinds: readonly string[]): unknown[] {
    return this.process.lines.filter((line) => kinds.includes(line.event as string));
  }

  /** Resolves once this member has processed `count` more records than it had at the call. */
  async processesMore(count: number): Promise<void> {
    let seen = 0;
    const already = this.processed().length;
    await this.process.waitFor(
      (line) => line.event === 'record' && ++seen >= already + count,
      `${count} more records processed by ${this.name}`,
    );
  }
}

interface GroupView {
  readonly state: string;
  readonly assignments: Map<string, number[]>;
}

async function describeGroup(admin: Admin): Promise<GroupView> {
  const {
    groups: [group],
  } = await admin.describeGroups([GROUP]);
  const assignments = new Map<string, number[]>();
  for (const member of group.members) {
    const decoded =
      member.memberAssignment.length > 0 ? AssignerProtocol.MemberAssignment.decode(member.memberAssignment) : null;
    assignments.set(
      member.clientId,
      [...(decoded?.assignment[TOPIC] ?? [])].sort((a, b) => a - b),
    );
  }
  return { state: group.state, assignments };
}

/**
 * Polls DescribeGroups until the group is Stable with exactly `members`, every partition assigned, and each member's
 * own view equal to what the broker reports. Every Stable view seen on the way must be free of overlaps.
 */
async function balancedAmong(admin: Admin, members: readonly Member[], label: string): Promise<Map<string, number[]>> {
  const deadline = Date.now() + 30_000;
  const names = members.map((member) => member.name).sort();
  let last: GroupView | undefined;
  while (Date.now() < deadline) {
    last = await describeGroup(admin);
    if (last.state === 'Stable') {
      const all = [...last.assignments.values()].flat();
      assert.equal(new Set(all).size, all.length, `${label}: a partition is assigned twice: ${format(last)}`);
      const complete =
        [...last.assignments.keys()].sort().join() === names.join() &&
        all.sort((a, b) => a - b).join() === PARTITIONS.join() &&
        members.every((member) => member.owned().join() === last!.assignments.get(member.name)!.join());
      if (complete) return last.assignments;
    }
    await sleep(100);
  }
  const views = members.map((member) => `${member.name} thinks it owns [${member.owned()}]`).join('; ');
  assert.fail(`${label}: the group never settled on ${names}; last seen ${last && format(last)}; ${views}`);
}

function format(view: GroupView): string {
  return `${view.state} ${JSON.stringify(Object.fromEntries(view.assignments))}`;
}

test('a consumer group rebalances on join, leave and kill without losing a record', async (t) => {
  const broker = await startTestBroker();
  const kafka = kafkajsClient(broker.bootstrap, 'group-test');
  const admin = kafka.admin();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  const members: Member[] = [];
  let producing = true;
  let production: Promise<void> | undefined;
  try {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS.length }] });
    await producer.connect();

    // Numbered records, spread evenly over the partitions, acknowledged by the broker before they count as sent.
    const acknowledged: number[] = [];
    production = (async () => {
      let next = 0;
      while (producing) {
        const values = PARTITIONS.map(() => next++);
        await producer.send({
          topic: TOPIC,
          acks: -1,
          messages: values.map((value) => ({ partition: value % PARTITIONS.length, value: String(value) })),
        });
        acknowledged.push(...values);
        await sleep(15);
      }
    })();

    const [first, second, third] = ['member-1', 'member-2', 'member-3'].map(
      (name) => new Member(name, broker.bootstrap),
    );
    members.push(first, second, third);
    await balancedAmong(admin, [first, second, third], 'three members');
    await Promise.all([first, second, third].map((member) => member.processesMore(20)));

    const fourth = new Member('member-4', broker.bootstrap);
    members.push(fourth);
    const withFourth = await balancedAmong(admin, [first, second, third, fourth], 'after member-4 joined');
    assert.ok(withFourth.get('member-4')!.length > 0, 'the joining member got partitions');
    await Promise.all([first, second, third, fourth].map((member) => member.processesMore(20)));

    second.process.kill('SIGTERM');
    await second.process.waitFor((line) => line.event === 'closed', 'member-2 closed');
    await balancedAmong(admin, [first, third, fourth], 'after member-2 left');
    await Promise.all([first, third, fourth].map((member) => member.processesMore(20)));

    const killedPartitions = third.owned();
    assert.ok(killedPartitions.length > 0, 'the member to be killed owns partitions');
    third.process.kill('SIGKILL');
    await third.process.exited;
    await balancedAmong(admin, [first, fourth], 'after member-3 was killed');
    await Promise.all([first, fourth].map((member) => member.processesMore(20)));

    producing = false;
    await production;
    const sent = acknowledged.length;

    // Everything acknowledged is processed by the group in the end.
    const deadline = Date.now() + 30_000;
    const processedValues = () => new Set(members.flatMap((member) => member.processed().map((p) => p.value)));
    while (processedValues().size < sent && Date.now() < deadline) await sleep(100);
    const missing = acknowledged.filter((value) => !processedValues().has(value));
    assert.deepEqual(missing, [], `records never processed (of ${sent})`);

    // Exactly once, except across the kill: a record processed twice must be one member-3 processed past its last
    // commit on a partition it owned when killed, processed again by the member that took that partition over.
    const byValue = new Map<number, Processing[]>();
    for (const processing of members.flatMap((member) => member.processed())) {
      byValue.set(processing.value, [...(byValue.get(processing.value) ?? []), processing]);
    }
    const killedCommits = third.lastCommitted();
    const duplicates = [...byValue.values()].filter((processings) => processings.length > 1);
    for (const processings of duplicates) {
      const [killed, redelivered, ...more] = processings.toSorted((a, b) =>
        a.member === 'member-3' ? -1 : b.member === 'member-3' ? 1 : 0,
      );
      const where = JSON.stringify(processings);
      assert.equal(more.length, 0, `processed more than twice: ${where}`);
      assert.equal(killed.member, 'member-3', `processed twice without the killed member: ${where}`);
      assert.ok(
        ['member-1', 'member-4'].includes(redelivered.member),
        `redelivered to a member still in the group: ${where}`,
      );
      assert.ok(killedPartitions.includes(killed.partition), `on a partition member-3 owned when killed: ${where}`);
      const committed = killedCommits.get(killed.partition) ?? -1;
      assert.ok(killed.offset >= committed, `member-3 had committed past offset ${committed}: ${where}`);
    }
    // No member ever lost its partitions or had a commit refused: every handoff was a clean revoke.
    for (const member of members) {
      assert.deepEqual(member.events(['lost', 'commit-failed', 'error']), [], `${member.name}'s failures`);
    }

    // Surviving members commit on close; the group's committed offsets are then the end of every partition.
    for (const member of [first, fourth]) member.process.kill('SIGTERM');
    await Promise.all(
      [first, fourth].map((member) =>
        member.process.waitFor((line) => line.event === 'closed', `${member.name} closed`),
      ),
    );
    const [committed] = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
    const ends = await admin.fetchTopicOffsets(TOPIC);
    assert.deepEqual(
      committed.partitions
        .map(({ partition, offset }) => [partition, offset])
        .sort((a, b) => Number(a[0]) - Number(b[0])),
      ends.map(({ partition, high }) => [partition, high]).sort((a, b) => Number(a[0]) - Number(b[0])),
    );
    t.diagnostic(`records: ${sent}, redelivered after the kill: ${duplicates.length}`);
  } catch (error) {
    // What each member went through, to tell a broker fault from a client one.
    const kinds = ['assigned', 'revoked', 'lost', 'commit-failed', 'error', 'closed'];
    for (const member of members) t.diagnostic(`${member.name}: ${JSON.stringify(member.events(kinds))}`);
    throw error;
  } finally {
    producing = false;
    await production?.catch(() => {});
    await Promise.all(members.map((member) => member.process.dispose()));
    await producer.disconnect().catch(() => {});
    await admin.disconnect().catch(() => {});
    await broker.dispose();
  }
});
