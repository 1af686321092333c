// kill -9 while a producer streams with acks=all: after a restart on the same data directory every acknowledged
// record is there, in order, with no gaps. Run for each fsync policy that promises durability.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { startTestBroker, temporaryDirectory } from './broker-test-support.ts';

const brokerBin = fileURLToPath(new URL('../src/bin.ts', import.meta.url));
const TOPIC = 'crash-test';

async function spawnBroker(dataDir: string, fsync: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [brokerBin, '--port', '0', '--data-dir', dataDir, '--fsync', fsync], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  for await (const line of lines) {
    const entry = JSON.parse(line) as { msg?: string; port?: number };
    if (entry.msg === 'broker listening' && entry.port !== undefined) {
      lines.removeAllListeners();
      child.stdout!.resume();
      return { child, port: entry.port };
    }
  }
  throw new Error('broker exited before listening');
}

for (const fsync of ['batch', 'always']) {
  test(`no acknowledged record is lost when the broker is killed (fsync=${fsync})`, async () => {
    const directory = temporaryDirectory();
    try {
      const { child, port } = await spawnBroker(directory.path, fsync);
      const kafka = new Kafka({
        brokers: [`127.0.0.1:${port}`],
        clientId: 'crash-test',
        logLevel: logLevel.NOTHING,
        retry: { retries: 0 },
      });
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1 }] });
      await admin.disconnect();

      const producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
      await producer.connect();
      const acknowledged: number[] = [];
      const killAfter = 200 + Math.floor(Math.random() * 200);
      let next = 0;
      let killed = false;
      // One send after another, so the log order is the send order; the kill lands while one is in flight.
      const stream = (async () => {
        while (!killed) {
          const values = Array.from({ length: 5 }, () => next++);
          try {
            await producer.send({
              topic: TOPIC,
              acks: -1,
              messages: values.map((value) => ({ value: String(value) })),
            });
            acknowledged.push(...values);
          } catch {
            return;
          }
          if (acknowledged.length >= killAfter && !killed) {
            killed = true;
            child.kill('SIGKILL');
          }
        }
      })();
      await stream;
      await once(child, 'exit');
      await producer.disconnect().catch(() => {});
      assert.ok(acknowledged.length >= killAfter, 'the producer was streaming when the broker died');

      const restarted = await startTestBroker({ dataDir: directory.path, fsync: fsync as 'batch' });
      try {
        const reader = new Kafka({
          brokers: [restarted.bootstrap],
          clientId: 'crash-check',
          logLevel: logLevel.NOTHING,
        });
        const consumer = reader.consumer({ groupId: 'crash-check' });
        await consumer.connect();
        await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
        const admin2 = reader.admin();
        await admin2.connect();
        const [end] = await admin2.fetchTopicOffsets(TOPIC);
        await admin2.disconnect();
        const endOffset = Number(end.high);
        const seen: number[] = [];
        await new Promise<void>((resolve, reject) => {
          consumer
            .run({
              eachMessage: async ({ message }) => {
                seen.push(Number(message.value!.toString()));
                if (seen.length >= endOffset) resolve();
              },
            })
            .catch(reject);
        });
        await consumer.disconnect();
        // The log holds 0, 1, 2, … in order with nothing missing: every acknowledged record, and possibly the
        // batch that was in flight (written, not yet acknowledged) when the broker died.
        assert.ok(
          seen.length >= acknowledged.length,
          `${seen.length} records survived, ${acknowledged.length} were acknowledged`,
        );
        assert.deepEqual(
          seen,
          Array.from({ length: seen.length }, (_, index) => index),
        );
      } finally {
        await restarted.close();
      }
    } finally {
      directory.remove();
    }
  });
}
