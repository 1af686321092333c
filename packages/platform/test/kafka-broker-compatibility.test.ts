import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { PlatformErrors } from '../src/errors.ts';
import { createKafkaConnection, missingBrokerApis, REQUIRED_BROKER_APIS, startConsumer } from '../src/kafka/index.ts';
import { superviseConsumer } from '../src/service/index.ts';
import { expectWithin, startTestBroker } from './fixtures/kafka-runner.ts';
import { apiRanges, KAFKA_2_4_APIS, startOutdatedBroker } from './fixtures/outdated-broker.ts';

function capturedLog(): { log: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { log, lines };
}

const unsupportedLines = (lines: Record<string, unknown>[]) =>
  lines.filter((line) => line.code === 'KAFKA_BROKER_UNSUPPORTED');

// API key → the highest version Apache Kafka 3.5.0 advertises of it, for the APIs the services send.
const KAFKA_3_5_MAX_VERSIONS = { 0: 9, 1: 15, 2: 8, 3: 12, 8: 8, 9: 8, 10: 4, 11: 9, 12: 4, 13: 5, 14: 5, 22: 4 };
const KAFKA_3_5_APIS = apiRanges(KAFKA_3_5_MAX_VERSIONS);

/** What the compatibility tests start: the same consumer whichever broker it points at. */
function compatConsumer(bootstrap: string, log: pino.Logger) {
  return {
    connection: createKafkaConnection({ brokers: [bootstrap], clientId: 'compat-test' }),
    groupId: 'compat-group',
    topics: ['compat-topic'],
    handler: async () => undefined,
    log,
  };
}

test('Apache Kafka 3.5 serves every API the client needs; Kafka 2.4 lacks Fetch v13 and Metadata v10', () => {
  assert.deepEqual(missingBrokerApis(KAFKA_3_5_APIS), []);
  assert.deepEqual(
    missingBrokerApis(KAFKA_2_4_APIS).map(({ name, minVersion, advertisedMaxVersion }) => ({
      name,
      minVersion,
      advertisedMaxVersion,
    })),
    [
      { name: 'Fetch', minVersion: 13, advertisedMaxVersion: 11 },
      { name: 'Metadata', minVersion: 10, advertisedMaxVersion: 9 },
    ],
  );
  const withoutInitProducerId = KAFKA_3_5_APIS.filter((api) => api.apiKey !== 22);
  assert.deepEqual(
    missingBrokerApis(withoutInitProducerId).map((api) => [api.name, api.advertisedMaxVersion]),
    [['InitProducerId', undefined]],
  );
  assert.equal(REQUIRED_BROKER_APIS.length, new Set(REQUIRED_BROKER_APIS.map((api) => api.apiKey)).size);
});

test('a consumer pointed at a broker serving Fetch only up to v11 is refused with KAFKA_BROKER_UNSUPPORTED', async () => {
  const broker = await startOutdatedBroker();
  const { log, lines } = capturedLog();
  try {
    await assert.rejects(startConsumer(compatConsumer(broker.bootstrap, log)), (error: unknown) => {
      assert.ok(PlatformErrors.is(error, 'KAFKA_BROKER_UNSUPPORTED'));
      assert.equal(error.status, 503);
      assert.match(error.message, /Fetch v13\+ \(broker offers up to v11\)/);
      assert.match(error.message, /Metadata v10\+ \(broker offers up to v9\)/);
      assert.match(error.message, /Apache Kafka 3\.5 or later is required/);
      return true;
    });
    assert.equal(unsupportedLines(lines).length, 1);
  } finally {
    await broker.close();
  }
});

test('a supervised consumer retries an outdated broker, logs the refusal once and reports it to readiness', async () => {
  const broker = await startOutdatedBroker();
  const { log, lines } = capturedLog();
  const consumer = compatConsumer(broker.bootstrap, log);
  const supervised = superviseConsumer({
    log,
    retry: { maxAttempts: Number.POSITIVE_INFINITY, initialDelayMs: 5, maxDelayMs: 20 },
    start: (brokerCompatibility) => startConsumer({ ...consumer, brokerCompatibility }),
  });
  try {
    // Four answers mean at least three start attempts were refused.
    await expectWithin(broker.waitForApiVersionsRequests(4), 'four ApiVersions requests');
    await assert.rejects(supervised.status.ping(), (error: unknown) =>
      PlatformErrors.is(error, 'KAFKA_BROKER_UNSUPPORTED'),
    );
    assert.equal(supervised.status.consumerAssigned(), false);
    assert.equal(supervised.status.problem?.()?.code, 'KAFKA_BROKER_UNSUPPORTED');
    const refusals = unsupportedLines(lines);
    assert.equal(refusals.length, 1, JSON.stringify(lines));
    assert.equal(refusals[0]!.level, 50);
    assert.match(String(refusals[0]!.msg), /^Kafka broker lacks Fetch v13\+ .*Apache Kafka 3\.5 or later is required$/);
    // The refusal is not repeated as a start failure on every attempt either.
    assert.equal(lines.filter((line) => line.msg === 'consumer could not start, will retry').length, 0);
  } finally {
    await supervised.stop();
    await broker.close();
  }
});

test('our own broker passes the check: a supervised consumer joins and readiness has no problem', async () => {
  const broker = await startTestBroker('compat-test');
  const { log, lines } = capturedLog();
  const consumer = compatConsumer(broker.broker.bootstrap, log);
  const supervised = superviseConsumer({
    log,
    start: (brokerCompatibility) => startConsumer({ ...consumer, brokerCompatibility }),
  });
  try {
    assert.ok(await expectWithin(supervised.started, 'the consumer to start'));
    assert.equal(supervised.status.problem?.(), undefined);
    await supervised.status.ping();
    assert.equal(unsupportedLines(lines).length, 0);
  } finally {
    await supervised.stop();
    await broker.close();
  }
});
