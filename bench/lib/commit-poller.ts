// The committed offsets of consumer groups, read again and again, and when each group passed each offset: a service
// commits only after handling a record, so a commit past a record is that service's durable completion of it.
import { setTimeout as delay } from 'node:timers/promises';
import { Connection, offsetFetchV8 } from '@platformatic/kafka';

/**
 * When one group passed each offset of a topic, partition by partition, as the readings of its committed offsets
 * saw it. An order's record may reach this process's consumer after the readings that show it done, so every rise is
 * kept and a late record is dated by them, not by its own arrival.
 */
export class CommitTimeline {
  readonly #rises = new Map<number, { at: number[]; committed: number[] }>();
  /** Records no reading has shown done yet, in offset order per partition (the order they are consumed in). */
  readonly #waiting = new Map<number, { offset: number; done: (at: number) => void }[]>();

  /** The group's committed offset on `partition`, as a reading that arrived at `at` showed it. */
  observe(partition: number, committed: number, at: number): void {
    const rises = this.#risesOf(partition);
    const last = rises.committed[rises.committed.length - 1];
    if (last !== undefined && committed <= last) return;
    rises.at.push(at);
    rises.committed.push(committed);
    const waiting = this.#waiting.get(partition) ?? [];
    let passed = 0;
    while (passed < waiting.length && waiting[passed]!.offset < committed) waiting[passed++]!.done(at);
    waiting.splice(0, passed);
  }

  /** Calls `done` with the time of the first reading that showed the group past `offset`, once there is one. */
  whenPast(partition: number, offset: number, done: (at: number) => void): void {
    const { at, committed } = this.#risesOf(partition);
    let low = 0;
    let high = committed.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (committed[middle]! > offset) high = middle;
      else low = middle + 1;
    }
    if (low < committed.length) {
      done(at[low]!);
      return;
    }
    const waiting = this.#waiting.get(partition) ?? [];
    waiting.push({ offset, done });
    this.#waiting.set(partition, waiting);
  }

  #risesOf(partition: number): { at: number[]; committed: number[] } {
    let rises = this.#rises.get(partition);
    if (rises === undefined) {
      rises = { at: [], committed: [] };
      this.#rises.set(partition, rises);
    }
    return rises;
  }
}

export interface PollStats {
  readonly readings: number;
  readonly failures: number;
  readonly periodMs: number;
  readonly roundTripMs: number;
}

export interface CommitPoller {
  /** Stops polling; resolves with how many readings were taken and failed, their mean period and round trip. */
  stop(): Promise<PollStats>;
}

export interface CommitPollOptions {
  /** host:port of a single-node broker, which coordinates every group itself. */
  readonly bootstrap: string;
  readonly topic: string;
  readonly partitions: number;
  /** The groups whose committed offsets are read, each into the timeline at the same index of `timelines`. */
  readonly groups: readonly string[];
  readonly timelines: readonly CommitTimeline[];
  /** The pause between an answer and the next request. */
  readonly intervalMs: number;
}

/**
 * Reads the groups' committed offsets on the topic into one timeline per group: one OffsetFetch v8 for all groups at
 * a time, `intervalMs` after the previous answer. The request goes straight to the one broker: one round trip per
 * reading, where Admin.listConsumerGroupOffsets would first ask which broker coordinates the groups (FindCoordinator)
 * every time.
 */
export async function pollCommits(options: CommitPollOptions): Promise<CommitPoller> {
  const { bootstrap, topic: topicName, partitions, groups: groupIds, timelines } = options;
  const connection = new Connection('bench-commit-poller');
  const colon = bootstrap.lastIndexOf(':');
  await connection.connect(bootstrap.slice(0, colon), Number(bootstrap.slice(colon + 1)));
  const partitionIndexes = Array.from({ length: partitions }, (_, partition) => partition);
  // memberEpoch belongs to v9's KIP-848 groups; v8 does not send it.
  const request = groupIds.map((groupId) => ({
    groupId,
    memberEpoch: -1,
    topics: [{ name: topicName, partitionIndexes }],
  }));
  let stopped = false;
  let readings = 0;
  let failures = 0;
  let firstAt = 0;
  let lastAt = 0;
  let roundTrips = 0;
  const polling = (async () => {
    while (!stopped) {
      try {
        const sentAt = performance.now();
        const { groups } = await offsetFetchV8.api.async(connection, request, false);
        const at = performance.now();
        roundTrips += at - sentAt;
        if (readings === 0) firstAt = at;
        lastAt = at;
        readings++;
        groupIds.forEach((groupId, index) => {
          const topic = groups.find((group) => group.groupId === groupId)?.topics.find((t) => t.name === topicName);
          for (const partition of partitionIndexes) {
            // -1 is OffsetFetch's "nothing committed"; a partition missing from the answer has nothing committed either.
            const committed = topic?.partitions.find((p) => p.partitionIndex === partition)?.committedOffset ?? -1n;
            timelines[index]!.observe(partition, Number(committed), at);
          }
        });
      } catch {
        failures++;
      }
      await delay(options.intervalMs);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await polling;
      await connection.close().catch(() => undefined);
      return {
        readings,
        failures,
        periodMs: readings > 1 ? (lastAt - firstAt) / (readings - 1) : Number.NaN,
        roundTripMs: roundTrips / readings,
      };
    },
  };
}
