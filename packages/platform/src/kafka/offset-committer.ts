import type { CommitOptionsPartition, Consumer } from '@platformatic/kafka';
import type { Logger } from 'pino';

export interface OffsetCommitter {
  /** Records that everything before `offset` on the partition is done; committed in the background. */
  mark(offset: CommitOptionsPartition): void;
  /** Commits what is marked; resolves true when nothing is left uncommitted. */
  flush(): Promise<boolean>;
  /** Stops background retries; later marks are ignored. */
  close(): void;
}

export interface OffsetCommitterOptions {
  readonly consumer: Consumer<Buffer, Buffer, string, Buffer>;
  readonly log: Logger;
  /** Offsets of partitions this member no longer owns are dropped: their new owner commits them. */
  readonly owns: (topic: string, partition: number) => boolean;
  readonly retryDelayMs?: number;
}

/**
 * Coalesces commits: one OffsetCommit in flight at a time, carrying the highest marked offset of every partition.
 * Workers never wait on it, so a commit round trip does not slow processing; a crash between a handler's success and
 * the commit only means redelivery, which at-least-once allows.
 */
export function createOffsetCommitter(options: OffsetCommitterOptions): OffsetCommitter {
  const { consumer, log, owns } = options;
  const retryDelayMs = options.retryDelayMs ?? 1000;
  const pending = new Map<string, CommitOptionsPartition>();
  let running: Promise<void> | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let closed = false;

  function merge(offset: CommitOptionsPartition): void {
    const key = `${offset.topic}:${offset.partition}`;
    const current = pending.get(key);
    if (!current || current.offset < offset.offset) {
      pending.set(key, offset);
    }
  }

  function kick(): void {
    running ??= drain().finally(() => {
      running = undefined;
    });
  }

  async function drain(): Promise<void> {
    while (pending.size > 0) {
      const offsets = [...pending.values()].filter((offset) => owns(offset.topic, offset.partition));
      pending.clear();
      if (offsets.length === 0) {
        return;
      }
      try {
        await consumer.commit({ offsets });
      } catch (error) {
        for (const offset of offsets) {
          merge(offset);
        }
        log.warn({ err: error, partitions: offsets.length }, 'kafka offset commit failed, will retry');
        if (!closed) {
          clearTimeout(retryTimer);
          retryTimer = setTimeout(kick, retryDelayMs);
          retryTimer.unref();
        }
        return;
      }
    }
  }

  return Object.freeze({
    mark(offset: CommitOptionsPartition): void {
      if (closed) {
        return;
      }
      merge(offset);
      kick();
    },
    async flush(): Promise<boolean> {
      clearTimeout(retryTimer);
      await running;
      if (pending.size > 0) {
        kick();
        await running;
      }
      return [...pending.values()].every((offset) => !owns(offset.topic, offset.partition));
    },
    close(): void {
      closed = true;
      clearTimeout(retryTimer);
    },
  });
}
