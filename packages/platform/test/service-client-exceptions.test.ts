import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startBroker } from '@orderflow/broker';
import { Consumer, type MessagesStream } from '@platformatic/kafka';
import { pino } from 'pino';
import { createKafkaConnection, startConsumer } from '../src/kafka/index.ts';
import { expectWithin, publishAll, silent } from './fixtures/kafka-runner.ts';
import { startOutdatedBroker } from './fixtures/outdated-broker.ts';

// An exception thrown inside the Kafka client must never end a service silently: where the runner can catch it (the
// message stream fails) it logs it with its component and reopens with backoff; where nothing can (a throw on the
// client's own socket callback) the process logs one line and exits 1 for its supervisor to restart it.

test('an exception inside the client fails the stream: the runner logs it with its component and reopens', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'client-exception-'));
  const broker = await startBroker({ port: 0, dataDir, log: silent });
  const lines: Record<string, unknown>[] = [];
  const reopened = Promise.withResolvers<void>();
  const log = pino(
    { level: 'info' },
    {
      write(text: string) {
        const line = JSON.parse(text) as Record<string, unknown>;
        lines.push(line);
        if (line.msg === 'kafka consumer stream reopened') reopened.resolve();
      },
    },
  );
  const connection = createKafkaConnection({ brokers: [broker.bootstrap], clientId: 'client-exception-test' });
  const streams: MessagesStream<Buffer, Buffer, string, Buffer>[] = [];
  const consume = Consumer.prototype.consume;
  // Keeps each stream the runner opens, to fail it from inside the client as a bug in the client would.
  Consumer.prototype.consume = async function (this: Consumer, ...args: unknown[]) {
    const stream = await (
      consume as (...a: unknown[]) => Promise<MessagesStream<Buffer, Buffer, string, Buffer>>
    ).apply(this, args);
    streams.push(stream);
    return stream;
  } as typeof consume;
  const handled: string[] = [];
  const allHandled = Promise.withResolvers<void>();
  const runner = await startConsumer({
    connection,
    groupId: 'client-exception-group',
    topics: ['client-exception-topic'],
    log: log.child({ component: 'order-consumer' }),
    handler: async (record) => {
      handled.push(record.value.toString());
      if (handled.includes('after')) allHandled.resolve();
    },
  });
  try {
    assert.equal(streams.length, 1);
    streams[0]!.destroy(new TypeError("Cannot read properties of undefined (reading 'partitionsCount')"));
    await expectWithin(reopened.promise, 'the stream to reopen');
    const failure = lines.find((line) => line.msg === 'kafka consumer stream ended unexpectedly, reopening');
    assert.ok(failure, 'the failure is logged');
    assert.equal(failure.level, 50);
    assert.equal(failure.component, 'order-consumer');
    assert.equal(failure.groupId, 'client-exception-group');
    assert.match(String((failure.err as { message: string }).message), /partitionsCount/);
    assert.equal(streams.length, 2);
    // The reopened stream consumes.
    await publishAll(connection, 'client-exception-topic', [{ key: 'k', value: Buffer.from('after') }]);
    await expectWithin(allHandled.promise, 'the record published after the reopen');
  } finally {
    Consumer.prototype.consume = consume;
    await runner.stop();
    await broker.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test("an exception thrown on the client's own callback ends the process with one fatal line and exit code 1", async () => {
  const broker = await startOutdatedBroker();
  try {
    const child = spawn(
      process.execPath,
      [new URL('./fixtures/throw-inside-kafka-client.ts', import.meta.url).pathname],
      {
        env: { PATH: process.env.PATH ?? '', KAFKA_BROKERS: broker.bootstrap },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = await expectWithin(once(child, 'exit'), 'the process to exit');
    assert.equal(code, 1);
    assert.equal(stderr, '');
    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.equal(lines.length, 1, stdout);
    assert.equal(lines[0]!.level, 'fatal');
    assert.equal(lines[0]!.origin, 'uncaughtException');
    assert.equal(
      lines[0]!.msg,
      "crash-test-service crashed (uncaughtException): TypeError: Cannot read properties of undefined (reading 'partitionsCount')",
    );
  } finally {
    await broker.close();
  }
});
