import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningBroker, startBroker } from '@orderflow/broker';
import { createKafkaConnection, type KafkaConnection } from '../kafka/kafka-connection.ts';
import { silentLog } from './consumed-record.ts';

export interface TestBroker {
  readonly broker: RunningBroker;
  readonly connection: KafkaConnection;
  /** Closes the broker and removes its data directory. */
  close(): Promise<void>;
}

/** Our broker on a free port, with a data directory of its own, and a connection to it as `clientId`. */
export async function startTestBroker(clientId: string): Promise<TestBroker> {
  const dataDir = mkdtempSync(join(tmpdir(), `${clientId}-`));
  const broker = await startBroker({ port: 0, dataDir, log: silentLog }).catch((error: unknown) => {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  });
  return {
    broker,
    connection: createKafkaConnection({ brokers: [broker.bootstrap], clientId }),
    async close() {
      await broker.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
