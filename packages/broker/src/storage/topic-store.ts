// The broker's topic metadata, `<dataDir>/topics.json`: name, topic id (a random v4 UUID, KIP-516), partition count,
// topic configs and creation time. Every change replaces the file atomically before it takes effect in memory, so
// after a crash the file shows either the old or the new set of topics.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from './atomic-file.ts';
import { StorageError } from './storage-error.ts';

export const TOPICS_FILE = 'topics.json';
const FORMAT_VERSION = 1;

export interface TopicRecord {
  readonly name: string;
  readonly topicId: string;
  readonly partitions: number;
  readonly configs: Readonly<Record<string, string>>;
  /** ISO 8601 */
  readonly createdAt: string;
}

export class TopicStore {
  readonly #path: string;
  readonly #topics: Map<string, TopicRecord>;

  private constructor(path: string, topics: Map<string, TopicRecord>) {
    this.#path = path;
    this.#topics = topics;
  }

  static open(dataDir: string): TopicStore {
    const path = join(dataDir, TOPICS_FILE);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new TopicStore(path, new Map());
      throw error;
    }
    const topics = new Map<string, TopicRecord>();
    for (const topic of parseTopics(path, text)) topics.set(topic.name, Object.freeze(topic));
    return new TopicStore(path, topics);
  }

  list(): TopicRecord[] {
    return [...this.#topics.values()];
  }

  get(name: string): TopicRecord | undefined {
    return this.#topics.get(name);
  }

  /** Adds or replaces a topic, durably. */
  put(topic: TopicRecord): void {
    const next = new Map(this.#topics);
    next.set(topic.name, Object.freeze({ ...topic, configs: Object.freeze({ ...topic.configs }) }));
    this.#persist(next);
  }

  /** Removes a topic, durably. */
  remove(name: string): void {
    const next = new Map(this.#topics);
    next.delete(name);
    this.#persist(next);
  }

  #persist(topics: Map<string, TopicRecord>): void {
    const document = { version: FORMAT_VERSION, topics: [...topics.values()] };
    writeFileAtomicSync(this.#path, `${JSON.stringify(document, null, 2)}\n`);
    this.#topics.clear();
    for (const [name, topic] of topics) this.#topics.set(name, topic);
  }
}

function parseTopics(path: string, text: string): TopicRecord[] {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new StorageError('TOPIC_STORE_CORRUPT', `${path} is not valid JSON`, { cause: error });
  }
  const topics = (document as { topics?: unknown } | null)?.topics;
  if (!Array.isArray(topics)) throw new StorageError('TOPIC_STORE_CORRUPT', `${path} has no topics list`);
  return topics.map((topic: unknown, index) => {
    const candidate = topic as Partial<Record<keyof TopicRecord, unknown>> | null;
    const configs = candidate?.configs;
    const valid =
      typeof candidate?.name === 'string' &&
      typeof candidate.topicId === 'string' &&
      Number.isInteger(candidate.partitions) &&
      typeof candidate.createdAt === 'string' &&
      typeof configs === 'object' &&
      configs !== null &&
      Object.values(configs).every((value) => typeof value === 'string');
    if (!valid) throw new StorageError('TOPIC_STORE_CORRUPT', `${path}: topic #${index} is malformed`);
    return {
      name: candidate.name as string,
      topicId: candidate.topicId as string,
      partitions: candidate.partitions as number,
      configs: Object.freeze({ ...(configs as Record<string, string>) }),
      createdAt: candidate.createdAt as string,
    };
  });
}
