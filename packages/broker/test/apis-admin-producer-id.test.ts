// InitProducerId: idempotent producers of kafkajs and @platformatic/kafka get ids and write through them; at every
// version, ids are fresh (also across restarts), ids are never reused when a client names one, and transactional ids are refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Producer, stringSerializers } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { initProducerIdHandler } from '../src/apis/22-init-producer-id.ts';
import { ErrorCode } from '../src/protocol/error-codes.ts';
import type { InitProducerIdResponse } from '../src/protocol/generated/init-producer-id.ts';
import {
  call,
  type HandlerContext,
  openContext,
  startTestBroker,
  temporaryDirectory,
  versionsOf,
} from './apis-admin-support.ts';

function initProducerId(
  context: HandlerContext,
  version: number,
  request: { transactionalId?: string | null; producerId?: bigint; producerEpoch?: number } = {},
): Promise<InitProducerIdResponse> {
  return call(context, initProducerIdHandler, version, {
    transactionalId: request.transactionalId ?? null,
    transactionTimeoutMs: 60_000,
    producerId: request.producerId ?? -1n,
    producerEpoch: request.producerEpoch ?? -1,
  });
}

test('idempotent producers of kafkajs and @platformatic/kafka get producer ids and write through them', async (t) => {
  const broker = await startTestBroker(t);
  const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const kafkajsProducer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await kafkajsProducer.connect();
  t.after(() => kafkajsProducer.disconnect());
  const [sent] = await kafkajsProducer.send({ topic: 'idempotent', acks: -1, messages: [{ value: 'kafkajs' }] });
  assert.equal(sent.errorCode, 0);

  const platformatic = new Producer({
    clientId: 'producer-id-test',
    bootstrapBrokers: [broker.bootstrap],
    idempotent: true,
    serializers: stringSerializers,
  });
  t.after(() => platformatic.close());
  const result = await platformatic.send({ messages: [{ topic: 'idempotent', value: 'platformatic', partition: 0 }] });
  assert.ok(result.offsets !== undefined && result.offsets.length === 1);

  const admin = kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  const offsets = await admin.fetchTopicOffsets('idempotent');
  const total = offsets.reduce((sum, partition) => sum + Number(partition.high), 0);
  assert.equal(total, 2, 'both producers wrote one record each');
});

test('InitProducerId at every version hands out a new producer id at epoch 0 to each idempotent producer', async (t) => {
  const context = openContext(t);
  const seen = new Set<bigint>();
  for (const version of versionsOf(initProducerIdHandler)) {
    for (let producer = 0; producer < 3; producer++) {
      const response = await initProducerId(context, version);
      assert.equal(response.errorCode, ErrorCode.NONE, `v${version}`);
      assert.equal(response.producerEpoch, 0);
      assert.ok(response.producerId >= 0n);
      assert.ok(!seen.has(response.producerId), `v${version} id ${response.producerId} is new`);
      seen.add(response.producerId);
    }
  }
});

test('producer ids are never handed out twice, even after the broker restarts on the same data', async (t) => {
  const dataDir = temporaryDirectory(t);
  const before: bigint[] = [];
  await t.test('first run', async (t) => {
    const context = openContext(t, { dataDir });
    for (let producer = 0; producer < 3; producer++) before.push((await initProducerId(context, 4)).producerId);
  });
  await t.test('second run', async (t) => {
    const context = openContext(t, { dataDir });
    const after = (await initProducerId(context, 4)).producerId;
    assert.ok(
      before.every((id) => id < after),
      `id ${after} after the restart is above every earlier id (${before.join(', ')})`,
    );
  });
});

test('InitProducerId v3+ gives an idempotent producer that names an id and epoch a fresh id at epoch 0, as Kafka does', async (t) => {
  const context = openContext(t);
  for (const version of versionsOf(initProducerIdHandler).filter((version) => version >= 3)) {
    const { producerId } = await initProducerId(context, version);
    const again = await initProducerId(context, version, { producerId, producerEpoch: 4 });
    assert.equal(again.errorCode, ErrorCode.NONE, `v${version}`);
    assert.notEqual(again.producerId, producerId, `v${version}: a new id, never a bump of the old one`);
    assert.equal(again.producerEpoch, 0);
    // @platformatic/kafka asks for a new id with id 0 / epoch 0: two such producers must not share an id.
    const first = await initProducerId(context, version, { producerId: 0n, producerEpoch: 0 });
    const second = await initProducerId(context, version, { producerId: 0n, producerEpoch: 0 });
    assert.notEqual(first.producerId, second.producerId, `v${version}: distinct ids for distinct producers`);
  }
});

test('InitProducerId refuses transactional ids with a fatal code, and an empty one as invalid', async (t) => {
  const context = openContext(t);
  for (const version of versionsOf(initProducerIdHandler)) {
    const transactional = await initProducerId(context, version, { transactionalId: 'orders-tx' });
    assert.deepEqual(
      [transactional.errorCode, transactional.producerId, transactional.producerEpoch],
      [ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, -1n, -1],
      `v${version}`,
    );
    const empty = await initProducerId(context, version, { transactionalId: '' });
    assert.equal(empty.errorCode, ErrorCode.INVALID_REQUEST, `v${version}`);
  }
});
