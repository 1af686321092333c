// Malformed input closes the offending connection and nothing else: afterwards the broker still serves a normal
// client, and a connection opened before the garbage keeps working.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { startTestBroker, type TestBroker } from './broker-test-support.ts';

let broker: TestBroker;

before(async () => {
  broker = await startTestBroker({ maxRequestBytes: 1024 * 1024 });
});
after(() => broker.dispose());

function openSocket(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(broker.port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** How long the broker may take to drop a bad connection before the test fails instead of hanging. */
const CLOSE_DEADLINE_MS = 5000;

/** The first whole response frame the socket receives. */
function nextResponse(socket: Socket): Promise<Buffer> {
  return new Promise<Buffer>((resolve) => {
    let received = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 4 && received.length >= 4 + received.readInt32BE(0)) {
        socket.off('data', onData);
        resolve(received);
      }
    };
    socket.on('data', onData);
  });
}

/** Whether `socket` still gets an answer: an ApiVersions v0 request whose correlation id comes back. */
async function stillServes(socket: Socket, correlationId: number): Promise<void> {
  const response = nextResponse(socket);
  socket.write(frame(requestHeader(18, 0, correlationId)));
  assert.equal((await response).readInt32BE(4), correlationId, 'a connection opened before the bad one is answered');
}

/**
 * Sends bytes and asserts that the broker closes the connection within the deadline without answering (a broker
 * that answered the bad request, or kept the connection open, fails the test) and that a connection opened before
 * it is still served.
 */
async function sendAndExpectClose(bytes: Buffer): Promise<void> {
  const bystander = await openSocket();
  const socket = await openSocket();
  socket.on('error', () => {});
  let answered = 0;
  socket.on('data', (chunk: Buffer) => {
    answered += chunk.length;
  });
  const closed = new Promise<'closed'>((resolve) => socket.once('close', () => resolve('closed')));
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'open'>((resolve) => {
    timer = setTimeout(() => resolve('open'), CLOSE_DEADLINE_MS);
  });
  socket.write(bytes);
  const outcome = await Promise.race([closed, deadline]);
  clearTimeout(timer);
  socket.destroy();
  try {
    assert.equal(outcome, 'closed', `the broker kept the connection open for ${CLOSE_DEADLINE_MS} ms`);
    assert.equal(answered, 0, 'the broker answered the bad request instead of closing the connection');
    await stillServes(bystander, 7);
  } finally {
    bystander.destroy();
  }
}

function frame(payload: Buffer, declaredSize = payload.length): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(declaredSize);
  return Buffer.concat([size, payload]);
}

function requestHeader(apiKey: number, apiVersion: number, correlationId: number): Buffer {
  const header = Buffer.alloc(10);
  header.writeInt16BE(apiKey, 0);
  header.writeInt16BE(apiVersion, 2);
  header.writeInt32BE(correlationId, 4);
  header.writeInt16BE(-1, 8);
  return header;
}

async function produceAndConsumeOneRecord(topic: string): Promise<string> {
  const kafka = new Kafka({ brokers: [broker.bootstrap], clientId: 'bad-input-test', logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: [{ key: 'k', value: 'still serving' }] });
  await producer.disconnect();
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const total = offsets.reduce((sum, partition) => sum + Number(partition.high), 0);
  return `${total}`;
}

test('a negative frame size closes the connection', async () => {
  await sendAndExpectClose(frame(Buffer.alloc(0), -5));
});

test('a frame over --max-request-bytes closes the connection', async () => {
  await sendAndExpectClose(frame(Buffer.alloc(16), 2 * 1024 * 1024));
});

test('an unknown API key closes the connection', async () => {
  await sendAndExpectClose(frame(requestHeader(9999, 0, 1)));
});

test('an unsupported version of a known API closes the connection', async () => {
  await sendAndExpectClose(frame(requestHeader(3, 999, 1)));
});

test('a truncated request body closes the connection', async () => {
  // A Metadata v1 request whose topic array claims 5 entries but carries none.
  const body = Buffer.alloc(4);
  body.writeInt32BE(5);
  await sendAndExpectClose(frame(Buffer.concat([requestHeader(3, 1, 1), body])));
});

test('random garbage on many connections leaves the broker serving normal clients', async () => {
  const survivor = await openSocket();
  for (let round = 0; round < 50; round++) {
    const socket = await openSocket();
    socket.on('error', () => {});
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(randomBytes(1 + (round % 7) * 13));
    // Half of the rounds hang up themselves, half leave it to the broker; either way the socket ends up closed.
    if (round % 2 === 0) socket.end();
    else socket.destroy();
    await closed;
  }
  assert.equal(await produceAndConsumeOneRecord('after-garbage'), '1');
  await stillServes(survivor, 8);
  survivor.destroy();
});

test('ApiVersions at a version newer than ours answers v0 with UNSUPPORTED_VERSION and our ranges', async () => {
  const socket = await openSocket();
  const response = nextResponse(socket);
  socket.write(frame(requestHeader(18, 99, 42)));
  const bytes = await response;
  socket.destroy();
  assert.equal(bytes.readInt32BE(4), 42, 'correlation id echoed in a v0 response header');
  assert.equal(bytes.readInt16BE(8), 35, 'UNSUPPORTED_VERSION');
  const count = bytes.readInt32BE(10);
  const ranges = new Map<number, [number, number]>();
  for (let index = 0; index < count; index++) {
    const at = 14 + index * 6;
    ranges.set(bytes.readInt16BE(at), [bytes.readInt16BE(at + 2), bytes.readInt16BE(at + 4)]);
  }
  assert.deepEqual(ranges.get(18), [0, 4]);
  assert.deepEqual(ranges.get(0), [0, 11]);
  assert.equal(ranges.has(24), false, 'transactions (AddPartitionsToTxn) are not advertised');
});
