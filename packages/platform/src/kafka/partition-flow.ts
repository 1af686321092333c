/** What the flow needs to know of a fetched record; the runner queues the client's messages, tests plain objects. */
export interface FlowRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
}

/** A group assignment as the client reports it: one topic and the partitions of it this member owns. */
export interface OwnedPartitions {
  readonly topic: string;
  readonly partitions: readonly number[];
}

/** One partition's place in the flow, handed to the worker started for it. */
export interface PartitionQueue<C> {
  readonly key: string;
  /** What the runner keeps per partition (its logger, its metric labels), made once per assignment. */
  readonly context: C;
}

export interface PartitionFlowOptions<C> {
  /** Records queued across partitions at or above which fetching pauses. */
  readonly maxBufferedRecords: number;
  /** Makes a partition's context when its first record is queued after it was assigned. */
  readonly openPartition: (topic: string, partition: number) => C;
  /** Starts the one worker of a partition; it takes records until none is left, then calls workerStopped. */
  readonly startWorker: (queue: PartitionQueue<C>) => void;
  readonly pause: () => void;
  readonly resume: () => void;
  /** Runs the pause check once the delivery in progress is queued. Default process.nextTick. */
  readonly defer?: (run: () => void) => void;
}

/**
 * Per-partition queues between the fetch stream and the workers, and when fetching pauses and resumes. It holds no
 * client: the runner gives it the stream's pause and resume and a way to start a worker, so its rules run without a
 * broker.
 */
export interface PartitionFlow<R extends FlowRecord, C> {
  owns(topic: string, partition: number): boolean;
  ownedKeys(): string[];
  /** The group's new assignment: revoked partitions lose their queues; their new owner resumes from the commit. */
  assign(assignments: readonly OwnedPartitions[]): void;
  /** A stream was (re)opened: it fetches unpaused, for the partitions the client holds now. */
  streamOpened(assignments: readonly OwnedPartitions[]): void;
  /** Queues a fetched record, unless this member does not own its partition or it was queued before. */
  offer(record: R): void;
  /** Removes up to `max` records from the head of the partition's queue. */
  take(queue: PartitionQueue<C>, max: number): R[];
  /** False once the partition was revoked (even if assigned again since): its worker stops, its offsets are dropped. */
  isCurrent(queue: PartitionQueue<C>): boolean;
  workerStopped(queue: PartitionQueue<C>): void;
  /** Shutdown: every queue is dropped, later records are ignored and the stream is neither paused nor resumed. */
  close(): void;
  /** Records queued across partitions. */
  buffered(): number;
  paused(): boolean;
}

interface PartitionState<R, C> extends PartitionQueue<C> {
  /** Replaced rather than emptied when a batch takes all of it, so taking a whole queue copies nothing. */
  queue: R[];
  /** Offset after the last record queued; a refetch after a rebalance redelivers what is below it. */
  nextOffset: bigint;
  active: boolean;
}

export function createPartitionFlow<R extends FlowRecord, C>(options: PartitionFlowOptions<C>): PartitionFlow<R, C> {
  const { maxBufferedRecords: maxBuffered, openPartition, startWorker, pause, resume } = options;
  const defer = options.defer ?? ((run: () => void) => process.nextTick(run));
  const partitions = new Map<string, PartitionState<R, C>>();
  let owned = new Set<string>();
  let streamPaused = false;
  let pauseScheduled = false;
  let closed = false;
  let buffered = 0;
  /** Partitions with at least one record queued. */
  let queuedPartitions = 0;

  function resumeIfDrained(): void {
    if (!streamPaused || closed) {
      return;
    }
    // A fetch covers every assigned partition, so a partition that ran dry while others still hold records only gets
    // more by fetching for all of them; the buffer stays bounded by the limit plus one fetch.
    if (buffered <= maxBuffered / 2 || (buffered < maxBuffered && queuedPartitions < owned.size)) {
      streamPaused = false;
      resume();
    }
  }

  /**
   * The stream pushes a fetch response record by record in one synchronous run, one partition after the other.
   * Pausing in the middle would hold the later partitions' records back in the stream while the first one's are
   * handled, leaving their workers idle; pausing once the response is queued still stops the next fetch (the
   * stream schedules it on a later tick and checks for a pause first).
   */
  function pauseAfterThisDelivery(): void {
    if (streamPaused || pauseScheduled) {
      return;
    }
    pauseScheduled = true;
    defer(() => {
      pauseScheduled = false;
      if (buffered >= maxBuffered && !streamPaused && !closed) {
        streamPaused = true;
        pause();
      }
    });
  }

  function clearQueue(state: PartitionState<R, C>): void {
    if (state.queue.length > 0) {
      buffered -= state.queue.length;
      queuedPartitions -= 1;
      state.queue = [];
    }
  }

  function stateOf(queue: PartitionQueue<C>): PartitionState<R, C> {
    return queue as PartitionState<R, C>;
  }

  return Object.freeze({
    owns(topic: string, partition: number): boolean {
      return owned.has(`${topic}:${partition}`);
    },
    ownedKeys(): string[] {
      return [...owned];
    },
    assign(assignments: readonly OwnedPartitions[]): void {
      owned = keysOf(assignments);
      for (const [key, state] of partitions) {
        if (!owned.has(key)) {
          // An in-flight record of a revoked partition finishes uncommitted.
          clearQueue(state);
          partitions.delete(key);
        }
      }
      resumeIfDrained();
    },
    streamOpened(assignments: readonly OwnedPartitions[]): void {
      owned = keysOf(assignments);
      streamPaused = false;
    },
    offer(record: R): void {
      const key = `${record.topic}:${record.partition}`;
      if (closed || !owned.has(key)) {
        return;
      }
      let state = partitions.get(key);
      if (!state) {
        state = {
          key,
          context: openPartition(record.topic, record.partition),
          queue: [],
          nextOffset: -1n,
          active: false,
        };
        partitions.set(key, state);
      }
      if (record.offset < state.nextOffset) {
        return;
      }
      state.nextOffset = record.offset + 1n;
      if (state.queue.length === 0) {
        queuedPartitions += 1;
      }
      state.queue.push(record);
      buffered += 1;
      if (buffered >= maxBuffered) {
        pauseAfterThisDelivery();
      }
      if (!state.active) {
        state.active = true;
        startWorker(state);
      }
    },
    take(queue: PartitionQueue<C>, max: number): R[] {
      const state = stateOf(queue);
      const records = state.queue;
      if (records.length === 0) {
        return [];
      }
      let taken: R[];
      if (records.length <= max) {
        taken = records;
        state.queue = [];
      } else if (max === 1) {
        // shift() moves the array's start in place; splice() would copy the rest of a long queue for every record.
        taken = [records.shift() as R];
      } else {
        taken = records.splice(0, max);
      }
      buffered -= taken.length;
      if (state.queue.length === 0) {
        queuedPartitions -= 1;
      }
      resumeIfDrained();
      return taken;
    },
    isCurrent(queue: PartitionQueue<C>): boolean {
      return partitions.get(queue.key) === queue;
    },
    workerStopped(queue: PartitionQueue<C>): void {
      stateOf(queue).active = false;
    },
    close(): void {
      closed = true;
      for (const state of partitions.values()) {
        clearQueue(state);
      }
    },
    buffered: () => buffered,
    paused: () => streamPaused,
  });
}

function keysOf(assignments: readonly OwnedPartitions[]): Set<string> {
  return new Set(
    assignments.flatMap(({ topic, partitions }) => partitions.map((partition) => `${topic}:${partition}`)),
  );
}
