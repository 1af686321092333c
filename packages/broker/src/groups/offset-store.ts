// Committed offsets and the little group metadata that must survive a restart, kept in
// `<dataDir>/__consumer_offsets.log` (a FramedLog; our stand-in for Kafka's __consumer_offsets topic). Each frame is
// one JSON record: a batch of offset commits for a group, a group's latest generation and protocol type, or a group
// tombstone (DeleteGroups). The log is replayed on open and compacted to the live state whenever it holds records
// that later ones superseded; a torn last frame from a crash is dropped by FramedLog. Offset commits resolve only
// once their frame is fsynced, so an acknowledged commit survives a crash.
import { join } from 'node:path';
import type { Logger } from 'pino';
import { FramedLog } from '../storage/framed-log.ts';

export const OFFSETS_LOG_FILE = '__consumer_offsets.log';

/** Compaction also runs while serving once superseded frames outnumber live ones by this much. */
const COMPACTION_MIN_DEAD_FRAMES = 10_000;
/** Offsets per frame when compacting, so no frame grows without bound. */
const OFFSETS_PER_COMPACTED_FRAME = 1000;

export interface CommittedOffset {
  readonly offset: bigint;
  /** -1 when the committer did not know the leader epoch. */
  readonly leaderEpoch: number;
  readonly metadata: string;
  readonly commitTimestamp: number;
}

export interface OffsetCommitEntry extends CommittedOffset {
  readonly topic: string;
  readonly partition: number;
}

export interface StoredGroupMetadata {
  readonly protocolType: string;
  readonly generationId: number;
}

interface StoredOffset {
  topic: string;
  partition: number;
  offset: string;
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: number;
}

type StoreRecord =
  | { type: 'offsets'; groupId: string; offsets: StoredOffset[] }
  | { type: 'group'; groupId: string; protocolType: string; generationId: number }
  | { type: 'delete'; groupId: string };

export interface OffsetStoreOptions {
  readonly dataDir: string;
  readonly log: Logger;
}

export class OffsetStore {
  readonly #log: Logger;
  readonly #file: FramedLog;
  /** groupId → topic → partition → committed offset. */
  readonly #offsets = new Map<string, Map<string, Map<number, CommittedOffset>>>();
  readonly #groups = new Map<string, StoredGroupMetadata>();
  #framesInFile: number;
  /** Frames appended since compaction was last considered, so the live state is not rebuilt after every commit. */
  #framesSinceCompactionCheck = 0;
  #syncsInFlight = 0;
  #idle: (() => void) | null = null;
  #closed = false;

  private constructor(file: FramedLog, framesInFile: number, log: Logger) {
    this.#file = file;
    this.#framesInFile = framesInFile;
    this.#log = log;
  }

  static open(options: OffsetStoreOptions): OffsetStore {
    const { log: file, records, truncatedBytes } = FramedLog.open(join(options.dataDir, OFFSETS_LOG_FILE));
    if (truncatedBytes > 0) {
      options.log.warn({ path: file.path, truncatedBytes }, 'dropped a torn frame at the end of the offsets log');
    }
    const store = new OffsetStore(file, records.length, options.log);
    for (const frame of records) {
      const record = parseRecord(frame);
      if (record === undefined) options.log.warn({ path: file.path }, 'skipped an unreadable offsets log record');
      else store.#apply(record);
    }
    store.#compactIfWorthwhile(1);
    return store;
  }

  /** Every group with committed offsets or a recorded generation. */
  groupIds(): string[] {
    return [...new Set([...this.#groups.keys(), ...this.#offsets.keys()])];
  }

  groupMetadata(groupId: string): StoredGroupMetadata | undefined {
    return this.#groups.get(groupId);
  }

  hasOffsets(groupId: string): boolean {
    return this.#offsets.has(groupId);
  }

  committed(groupId: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.#offsets.get(groupId)?.get(topic)?.get(partition);
  }

  /** The group's committed offsets, topic by topic, in commit order. */
  offsetsOf(groupId: string): ReadonlyMap<string, ReadonlyMap<number, CommittedOffset>> {
    return this.#offsets.get(groupId) ?? new Map();
  }

  /** Appends the commits as one frame (all or nothing on a crash) and resolves once it is on disk. */
  commit(groupId: string, entries: readonly OffsetCommitEntry[]): Promise<void> {
    const offsets = entries.map((entry) => ({
      topic: entry.topic,
      partition: entry.partition,
      offset: entry.offset.toString(),
      leaderEpoch: entry.leaderEpoch,
      metadata: entry.metadata,
      commitTimestamp: entry.commitTimestamp,
    }));
    return this.#appendDurably({ type: 'offsets', groupId, offsets });
  }

  /**
   * Records a group's new generation so generation ids keep increasing across restarts and the group (with its
   * protocol type) is still listed afterwards. Not awaited: losing the latest one in a crash only means the next
   * generation number repeats for members that all have to rejoin anyway.
   */
  recordGeneration(groupId: string, metadata: StoredGroupMetadata): void {
    try {
      this.#append({ type: 'group', groupId, ...metadata });
    } catch (error) {
      this.#log.error({ err: error, groupId }, 'could not record the group generation');
    }
  }

  /** Forgets the group and its offsets (DeleteGroups); resolves once the tombstone is on disk. */
  deleteGroup(groupId: string): Promise<void> {
    return this.#appendDurably({ type: 'delete', groupId });
  }

  /** Closes the file once the fsyncs in flight have finished. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#syncsInFlight > 0) await new Promise<void>((resolve) => (this.#idle = resolve));
    this.#file.close();
  }

  #append(record: StoreRecord): void {
    if (this.#closed) throw new Error('offset store is closed');
    this.#file.append(Buffer.from(JSON.stringify(record)));
    this.#framesInFile++;
    this.#framesSinceCompactionCheck++;
    this.#apply(record);
  }

  async #appendDurably(record: StoreRecord): Promise<void> {
    this.#append(record);
    this.#syncsInFlight++;
    try {
      await this.#file.sync();
    } finally {
      this.#syncsInFlight--;
      if (this.#syncsInFlight === 0) {
        if (this.#closed) this.#idle?.();
        else if (this.#framesSinceCompactionCheck >= COMPACTION_MIN_DEAD_FRAMES) this.#compactWhileServing();
      }
    }
  }

  /** A failed compaction is logged, not reported to the commit that triggered it: that commit is already durable. */
  #compactWhileServing(): void {
    this.#framesSinceCompactionCheck = 0;
    try {
      this.#compactIfWorthwhile(COMPACTION_MIN_DEAD_FRAMES);
    } catch (error) {
      this.#log.error({ err: error, path: this.#file.path }, 'could not compact the offsets log');
    }
  }

  #apply(record: StoreRecord): void {
    switch (record.type) {
      case 'offsets': {
        let topics = this.#offsets.get(record.groupId);
        if (topics === undefined) {
          topics = new Map();
          this.#offsets.set(record.groupId, topics);
        }
        for (const stored of record.offsets) {
          let partitions = topics.get(stored.topic);
          if (partitions === undefined) {
            partitions = new Map();
            topics.set(stored.topic, partitions);
          }
          partitions.set(stored.partition, {
            offset: BigInt(stored.offset),
            leaderEpoch: stored.leaderEpoch,
            metadata: stored.metadata,
            commitTimestamp: stored.commitTimestamp,
          });
        }
        break;
      }
      case 'group':
        this.#groups.set(record.groupId, { protocolType: record.protocolType, generationId: record.generationId });
        break;
      case 'delete':
        this.#offsets.delete(record.groupId);
        this.#groups.delete(record.groupId);
        break;
    }
  }

  /** Rewrites the file with only the live state when at least `minDeadFrames` frames are superseded. Only called
   * with no fsync in flight, because the rewrite replaces the file descriptor those fsyncs use. */
  #compactIfWorthwhile(minDeadFrames: number): void {
    const live = this.#liveRecords();
    if (this.#framesInFile - live.length < minDeadFrames) return;
    const before = this.#framesInFile;
    this.#file.rewrite(live.map((record) => Buffer.from(JSON.stringify(record))));
    this.#framesInFile = live.length;
    this.#log.info({ path: this.#file.path, framesBefore: before, framesAfter: live.length }, 'compacted offsets log');
  }

  #liveRecords(): StoreRecord[] {
    const records: StoreRecord[] = [];
    for (const [groupId, metadata] of this.#groups) records.push({ type: 'group', groupId, ...metadata });
    for (const [groupId, topics] of this.#offsets) {
      let offsets: StoredOffset[] = [];
      for (const [topic, partitions] of topics) {
        for (const [partition, committed] of partitions) {
          offsets.push({ topic, partition, ...committed, offset: committed.offset.toString() });
          if (offsets.length === OFFSETS_PER_COMPACTED_FRAME) {
            records.push({ type: 'offsets', groupId, offsets });
            offsets = [];
          }
        }
      }
      if (offsets.length > 0) records.push({ type: 'offsets', groupId, offsets });
    }
    return records;
  }
}

function parseRecord(frame: Buffer): StoreRecord | undefined {
  try {
    const record = JSON.parse(frame.toString('utf8')) as StoreRecord;
    if (typeof record.groupId !== 'string') return undefined;
    if (record.type === 'offsets' && Array.isArray(record.offsets)) return record;
    if (record.type === 'group' && typeof record.generationId === 'number') return record;
    if (record.type === 'delete') return record;
    return undefined;
  } catch {
    return undefined;
  }
}
