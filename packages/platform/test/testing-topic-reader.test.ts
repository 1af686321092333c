import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEventProducer } from '../src/index.ts';
import { closeAfterAll, type ReadRecord, readTopics, silentLog, startTestBroker } from '../src/testing/index.ts';

// The topic reader is what the services' integration tests wait on, so it must hand over exactly the records that
// match, tell when it has read a topic to its end, and fail, not hang, when an expected record never comes.

const closeLater = closeAfterAll();

async function fill(topic: string, values: readonly string[]) {
  const { connection } = closeLater(await startTestBroker('topic-reader-test'));
  const producer = createEventProducer({ connection, log: silentLog });
  try {
    await Promise.all(values.map((value, i) => producer.publish(topic, { key: `k-${i % 3}`, value })));
  } finally {
    await producer.close();
  }
  return connection;
}

const text = (record: ReadRecord<unknown>) => record.value.toString();
/** A decoder of JSON values that refuses anything else, as contracts' decodeEvent refuses a non-event. */
const json = (value: Buffer) => {
  try {
    return { ok: true as const, event: JSON.parse(value.toString()) as unknown };
  } catch {
    return { ok: false as const };
  }
};

test('waitFor hands over the first matching records, keys as text, values decoded where they decode', async () => {
  const connection = await fill('reader-a', ['"one"', '"two"', 'three', '"four"']);
  const reader = closeLater(await readTopics(connection, ['reader-a'], json));
  const found = await reader.waitFor((record) => text(record).includes('t'), 2);
  assert.deepEqual(found.map((record) => [record.key, record.event]).sort(), [
    ['k-1', 'two'],
    ['k-2', undefined],
  ]);
});

test('caughtUp resolves once every record published before it was read', async () => {
  const values = Array.from({ length: 30 }, (_, i) => `v-${i}`);
  const connection = await fill('reader-b', values);
  const reader = closeLater(await readTopics(connection, ['reader-b']));
  await reader.caughtUp();
  assert.deepEqual(reader.records.map(text).sort(), [...values].sort());
});

test('waitFor rejects with what it saw when the records it waits for never come', async () => {
  const connection = await fill('reader-c', ['only']);
  const reader = closeLater(await readTopics(connection, ['reader-c']));
  await reader.waitFor((record) => text(record) === 'only');
  await assert.rejects(
    reader.waitFor((record) => text(record) === 'missing', 1, 300),
    {
      message: /0 of 1 expected records arrived on reader-c within 300 ms, after reading 1 records/,
    },
  );
});
