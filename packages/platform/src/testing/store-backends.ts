import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createLogger } from '../logger.ts';
import { openStore, type StoreConfig } from '../stores/open-store.ts';
import { type StoreFactories, selectStoreBackend } from '../stores/select-store-backend.ts';
import type { Clock, Store } from '../stores/store.ts';

// The store backends as every service's tests use them: each fresh() is a new, empty data set (a unique Redis key
// prefix, or a new SQLite directory) that can be opened several times over separate connections, as several
// instances of the service would.

/** The Redis the tests use: REDIS_URL, or the default local one. */
export const TEST_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const log = createLogger({ name: 'store-test', level: 'silent' });

export type TestBackendName = 'redis' | 'sqlite' | 'redis-cluster';

export interface TestStore<T, S> {
  /** The platform store config main.ts would be given, for tests that start the whole service. */
  readonly config: StoreConfig;
  /** openStore's namespace: Redis keys live under `orderflow:<namespace>:`. */
  readonly namespace: string;
  /**
   * Opens the data set over a new connection, with the service store's settings overridden where given. A `now`
   * among the settings is the platform store's clock too, so SQLite expiry and locks follow one test clock.
   */
  open(settings?: Partial<S>): Promise<{ store: T; platform: Store }>;
  /** Closes every connection it opened and deletes the data. */
  cleanup(): Promise<void>;
}

export interface TestBackend<T, S> {
  readonly name: TestBackendName;
  /** A new, empty data set; `settings` override the defaults for every open() of it. */
  fresh(settings?: Partial<S>): TestStore<T, S>;
}

export interface ServiceTestBackends<T, S> {
  readonly sqliteBackend: TestBackend<T, S>;
  readonly redisBackend: TestBackend<T, S>;
  /** Redis and SQLite, the two every store test runs on. */
  readonly backends: readonly TestBackend<T, S>[];
  /** A Redis Cluster the test started (startRedisCluster); its data goes with it, so cleanup deletes nothing. */
  redisClusterBackend(seeds: string): TestBackend<T, S>;
}

export interface ServiceTestBackendsOptions<T, S> {
  /** The service name: the SQLite file's name, and the start of each Redis test prefix. */
  readonly service: string;
  readonly factories: StoreFactories<T, S>;
  /** The settings every open() uses unless told otherwise. */
  readonly settings: S;
}

/** One service store on each backend, opened as main.ts opens it (openStore, then selectStoreBackend). */
export function serviceTestBackends<T, S>(options: ServiceTestBackendsOptions<T, S>): ServiceTestBackends<T, S> {
  const { service, factories } = options;

  function testStore(config: StoreConfig, namespace: string, defaults: Partial<S>, removeData: () => Promise<void>) {
    const opened: Store[] = [];
    const testStore: TestStore<T, S> = {
      config,
      namespace,
      async open(overrides = {}) {
        const settings = { ...options.settings, ...defaults, ...overrides };
        const now = (settings as { now?: Clock }).now;
        const platform = await openStore(config, { log, namespace, ...(now === undefined ? {} : { now }) });
        opened.push(platform);
        return { store: selectStoreBackend(platform, factories, settings), platform };
      },
      async cleanup() {
        for (const platform of opened.splice(0)) await platform.close();
        await removeData();
      },
    };
    return testStore;
  }

  const sqliteBackend: TestBackend<T, S> = {
    name: 'sqlite',
    fresh(defaults = {}) {
      const dir = mkdtempSync(join(tmpdir(), `${service}-`));
      return testStore({ REDIS_URL: undefined, ORDERFLOW_DATA_DIR: dir }, service, defaults, async () => {
        rmSync(dir, { recursive: true, force: true });
      });
    },
  };
  const redisBackend: TestBackend<T, S> = {
    name: 'redis',
    fresh(defaults = {}) {
      const namespace = `${service}-test-${randomUUID()}`;
      return testStore({ REDIS_URL: TEST_REDIS_URL, ORDERFLOW_DATA_DIR: '.unused' }, namespace, defaults, () =>
        deleteRedisKeys(`orderflow:${namespace}:*`),
      );
    },
  };
  return {
    sqliteBackend,
    redisBackend,
    backends: [redisBackend, sqliteBackend],
    redisClusterBackend(seeds) {
      return {
        name: 'redis-cluster',
        fresh(defaults = {}) {
          const config = { REDIS_URL: undefined, REDIS_CLUSTER_NODES: seeds.split(','), ORDERFLOW_DATA_DIR: '.unused' };
          return testStore(config, `${service}-test-${randomUUID()}`, defaults, async () => undefined);
        },
      };
    },
  };
}

/** The keys of the test Redis matching `pattern`. */
export async function redisKeys(pattern: string): Promise<string[]> {
  const admin = new Redis(TEST_REDIS_URL);
  try {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await admin.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      found.push(...keys);
    } while (cursor !== '0');
    return found;
  } finally {
    admin.disconnect();
  }
}

export async function deleteRedisKeys(pattern: string): Promise<void> {
  const keys = await redisKeys(pattern);
  if (keys.length === 0) return;
  const admin = new Redis(TEST_REDIS_URL);
  try {
    await admin.del(...keys);
  } finally {
    admin.disconnect();
  }
}
