// Producer ids for InitProducerId (KIP-98), never handed out twice, even across restarts: ids are reserved in blocks
// (as Kafka's ProducerIdManager does) and the end of the reserved block is persisted before any id from it is used.
// A restart continues from the end of the last reserved block; the rest of that block is skipped.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from './atomic-file.ts';
import { StorageError } from './storage-error.ts';

export const PRODUCER_IDS_FILE = 'producer-ids.json';
const BLOCK_SIZE = 1000n;

export class ProducerIdAllocator {
  readonly #path: string;
  #next: bigint;
  #blockEnd: bigint;

  private constructor(path: string, blockEnd: bigint) {
    this.#path = path;
    this.#next = blockEnd;
    this.#blockEnd = blockEnd;
  }

  static open(dataDir: string): ProducerIdAllocator {
    const path = join(dataDir, PRODUCER_IDS_FILE);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new ProducerIdAllocator(path, 0n);
      throw error;
    }
    const blockEnd = (() => {
      try {
        return BigInt((JSON.parse(text) as { reservedUpTo: string }).reservedUpTo);
      } catch (error) {
        throw new StorageError('PRODUCER_ID_STORE_CORRUPT', `${path} is unreadable`, { cause: error });
      }
    })();
    return new ProducerIdAllocator(path, blockEnd);
  }

  allocate(): bigint {
    if (this.#next >= this.#blockEnd) {
      const blockEnd = this.#next + BLOCK_SIZE;
      writeFileAtomicSync(this.#path, `${JSON.stringify({ reservedUpTo: blockEnd.toString() })}\n`);
      this.#blockEnd = blockEnd;
    }
    const producerId = this.#next;
    this.#next++;
    return producerId;
  }
}
