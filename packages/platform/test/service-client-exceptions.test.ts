import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { Consumer, type MessagesStream } from '@platformatic/kafka';
import { pino } from 'pino';
import { startConsumer } from '../src/kafka/index.ts';
import { startTestBroker } from '../src/testing/index.ts';
import { expectWithin } from './fixtures/kafka-runner.ts';
import { startOutdatedBroker } from './fixtures/outdated-broker.ts';

// An exception thrown inside the Kafka client must never end a service silently: where the runner can catch it (the
// message stream fails) it logs it with its component and reopens with backoff; where nothing can (a throw on the
// client's own socket callback) the process logs one line and exits 1 for its supervisor to restart it.

/**
 * A runner on a fresh broker whose client is watched from inside: each stream it opens and each Consumer it consumes
 * with are kept, so a test can fail them as a bug in the client or a dropped connection would.
 */
async function startWatchedRunner(topic: string) {
  const testBroker = await startTestBroker('client-exception-test');
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
  const streams: MessagesStream<Buffer, Buffer, string, Buffer>[] = [];
  const consumers = new Set<Consumer>();
  const consume = Consumer.prototype.consume;
  Consumer.prototype.consume = async function (this: Consumer, ...args: unknown[]) {
    consumers.add(this);
    const stream = await (
      consume as (...a: unknown[]) => Promise<MessagesStream<Buffer, Buffer, string, Buffer>>
    ).apply(this, args);
    streams.push(stream);
    return stream;
  } as typeof consume;
  const handled: string[] = [];
  const handledAfter = Promise.withResolvers<void>();
  const runner = await startConsumer({
    connection: testBroker.connection,
    groupId: 'client-exception-group',
    topics: [topic],
    log: log.child({ component: 'order-consumer' }),
    handler: async (record) => {
      handled.push(record.value.toString());
      if (handled.includes('after')) handledAfter.resolve();
    },
  });
  return {
    lines,
    streams,
    consumers,
    reopened: reopened.promise,
    /** Publishes a record and resolves once the runner handled it: the runner consumes again. */
    async consumesAgain() {
      await testBroker.publish({ topic, key: 'k', value: 'after' });
      await expectWithin(handledAfter.promise, 'the record published after the reopen');
    },
    async close() {
      Consumer.prototype.consume = consume;
      await runner.stop();
      await testBroker.close();
    },
  };
}

function reopenLine(lines: readonly Record<string, unknown>[], msg: string): Record<string, unknown> {
  const failure = lines.find((line) => line.msg === msg);
  assert.ok(failure, `logged: ${msg}`);
  assert.equal(failure.level, 50);
  assert.equal(failure.component, 'order-consumer');
  assert.equal(failure.groupId, 'client-exception-group');
  return failure;
}

test('an exception inside the client fails the stream: the runner logs it with its component and reopens', async () => {
  const watched = await startWatchedRunner('client-exception-topic');
  try {
    assert.equal(watched.streams.length, 1);
    watched.streams[0]!.destroy(new TypeError("Cannot read properties of undefined (reading 'partitionsCount')"));
    await expectWithin(watched.reopened, 'the stream to reopen');
    const failure = reopenLine(watched.lines, 'kafka consumer stream failed, reopening');
    assert.match(String((failure.err as { message: string }).message), /partitionsCount/);
    assert.equal(watched.streams.length, 2);
    await watched.consumesAgain();
  } finally {
    await watched.close();
  }
});

test("a failed group rejoin, which the client reports as the consumer's 'error', reopens instead of crashing", async () => {
  const watched = await startWatchedRunner('client-rejoin-topic');
  try {
    const [consumer] = watched.consumers;
    assert.ok(consumer);
    // What the client does when the rejoin a heartbeat asked for fails (consumer.js, #joinGroup's callback). With no
    // listener, EventEmitter throws it here, as it would from the client's socket callback in a service.
    consumer.emit('error', new Error('Connection closed'));
    await expectWithin(watched.reopened, 'the stream to reopen');
    const failure = reopenLine(watched.lines, 'kafka consumer group rejoin failed, reopening');
    assert.equal((failure.err as { message: string }).message, 'Connection closed');
    await watched.consumesAgain();
  } finally {
    await watched.close();
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
