// When appended data counts as durable, under the 'always' and 'batch' fsync policies ('never' needs no queue).
// Syncs run one at a time, in append order, so when one completes everything appended before it is on disk and the
// high watermark may move to its end.
// - 'always': one fdatasync per append, started at once (queued behind a running one).
// - 'batch' (group commit): appends join the sync that has not started yet; it starts on the next turn of the event
//   loop (setImmediate), so every append of the current tick shares one fdatasync, and appends arriving while a sync
//   runs share the next one.
// A failed sync fails every waiting append and every later one: after a failed fsync the kernel may have dropped the
// dirty pages, so nothing written since can be trusted to reach the disk (Kafka takes the log directory offline).
import type { LogSegment } from './segment.ts';

export type Datasync = (fd: number) => Promise<void>;

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface SyncJob {
  /** The log end offset after the last append in this job: the high watermark once it completes. */
  endOffset: bigint;
  segments: Set<LogSegment>;
  /** Whether a segment file was created since the last sync, so the directory entry must be synced too. */
  syncDirectory: boolean;
  waiters: Waiter[];
  started: boolean;
}

export interface SyncQueueOptions {
  policy: 'always' | 'batch';
  datasync: Datasync;
  syncDirectory: () => Promise<void>;
  /** Called before the job's appends are resolved, with the offset up to which the log is now durable. */
  onDurable: (endOffset: bigint) => void;
  onFailure: (error: unknown) => void;
}

export class SyncQueue {
  readonly #options: SyncQueueOptions;
  /** Oldest first; only the head can be running. */
  readonly #jobs: SyncJob[] = [];
  #running = false;
  #failure: { error: unknown } | undefined;

  constructor(options: SyncQueueOptions) {
    this.#options = options;
  }

  /** Registers an append that wrote into `segment` and ended at `endOffset`; resolves once it is on disk. */
  enqueue(segment: LogSegment, endOffset: bigint, directoryChanged: boolean): Promise<void> {
    if (this.#failure !== undefined) return handledRejection(this.#failure.error);
    let job = this.#jobs.at(-1);
    const joinable = this.#options.policy === 'batch' && job !== undefined && !job.started;
    if (!joinable || job === undefined) {
      job = { endOffset, segments: new Set(), syncDirectory: false, waiters: [], started: false };
      this.#jobs.push(job);
      if (this.#options.policy === 'batch') setImmediate(() => this.#startNext());
    }
    job.endOffset = endOffset;
    job.segments.add(segment);
    job.syncDirectory ||= directoryChanged;
    const durable = this.#wait(job);
    if (this.#options.policy === 'always') this.#startNext();
    return durable;
  }

  /** Resolves once the append that wrote `lastOffset` is on disk (at once if it already is). */
  whenDurable(lastOffset: bigint): Promise<void> {
    if (this.#failure !== undefined) return handledRejection(this.#failure.error);
    const job = this.#jobs.find((candidate) => candidate.endOffset > lastOffset);
    return job === undefined ? Promise.resolve() : this.#wait(job);
  }

  /** Starts any waiting sync at once and resolves when every queued append is settled (synced or failed). */
  drain(): Promise<void> {
    const last = this.#jobs.at(-1);
    if (last === undefined) return Promise.resolve();
    const settled = this.#wait(last).catch(() => undefined);
    this.#startNext();
    return settled;
  }

  #wait(job: SyncJob): Promise<void> {
    const durable = new Promise<void>((resolve, reject) => job.waiters.push({ resolve, reject }));
    // Callers may drop the promise (acks=0); its failure is reported through onFailure, never as unhandled.
    durable.catch(() => undefined);
    return durable;
  }

  #startNext(): void {
    const job = this.#jobs[0];
    if (this.#running || job === undefined || job.started) return;
    job.started = true;
    this.#running = true;
    void this.#run(job);
  }

  async #run(job: SyncJob): Promise<void> {
    try {
      for (const segment of job.segments) await segment.syncLog(this.#options.datasync);
      if (job.syncDirectory) await this.#options.syncDirectory();
    } catch (error) {
      this.#failure = { error };
      this.#running = false;
      const failed = this.#jobs.splice(0);
      this.#options.onFailure(error);
      for (const waiting of failed) for (const waiter of waiting.waiters) waiter.reject(error);
      return;
    }
    this.#jobs.shift();
    this.#running = false;
    this.#options.onDurable(job.endOffset);
    for (const waiter of job.waiters) waiter.resolve();
    this.#startNext();
  }
}

function handledRejection(error: unknown): Promise<void> {
  const rejected = Promise.reject(error);
  rejected.catch(() => undefined);
  return rejected;
}
