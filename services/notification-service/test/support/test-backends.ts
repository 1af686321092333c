import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, openStore, selectStoreBackend, type Store } from '@orderflow/platform';
import { Redis } from 'ioredis';
import type { NotificationStore } from '../../src/notification-store.ts';
import { notificationStoreBackends } from '../../src/notification-store-backends.ts';

// The two store backends as tests use them: every fresh() is a new, empty data set (a unique Redis key prefix, or
// a new SQLite directory) that can be opened several times over separate connections, as several instances would.

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const RETENTION_MS = 24 * 3_600_000;
const log = createLogger({ name: 'notification-test', level: 'silent' });

export interface TestStore {
  /** Opens the data set over a new connection. */
  open(retentionMs?: number): Promise<{ store: NotificationStore; platform: Store }>;
  /** Closes every connection and deletes the data. */
  cleanup(): Promise<void>;
}

export interface TestBackend {
  readonly name: 'redis' | 'sqlite';
  fresh(): TestStore;
}

export const sqliteBackend: TestBackend = {
  name: 'sqlite',
  fresh() {
    const dir = mkdtempSync(join(tmpdir(), 'notification-store-'));
    return testStore({ REDIS_URL: undefined, ORDERFLOW_DATA_DIR: dir }, 'notification-service', async () => {
      rmSync(dir, { recursive: true, force: true });
    });
  },
};

export const redisBackend: TestBackend = {
  name: 'redis',
  fresh() {
    const namespace = `notification-test-${randomUUID()}`;
    return testStore({ REDIS_URL, ORDERFLOW_DATA_DIR: '.unused' }, namespace, () =>
      deleteKeys(`orderflow:${namespace}:*`),
    );
  },
};

export const backends: readonly TestBackend[] = [redisBackend, sqliteBackend];

function testStore(
  config: { readonly REDIS_URL: string | undefined; readonly ORDERFLOW_DATA_DIR: string },
  namespace: string,
  removeData: () => Promise<void>,
): TestStore {
  const opened: Store[] = [];
  return {
    async open(retentionMs = RETENTION_MS) {
      const platform = await openStore(config, { log, namespace });
      opened.push(platform);
      return { store: selectStoreBackend(platform, notificationStoreBackends, { retentionMs }), platform };
    },
    async cleanup() {
      for (const platform of opened) await platform.close();
      await removeData();
    },
  };
}

/** Keys matching `pattern`. */
async function scanKeys(pattern: string): Promise<string[]> {
  const admin = new Redis(REDIS_URL);
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

async function deleteKeys(pattern: string): Promise<void> {
  const keys = await scanKeys(pattern);
  if (keys.length === 0) return;
  const admin = new Redis(REDIS_URL);
  try {
    await admin.del(...keys);
  } finally {
    admin.disconnect();
  }
}
