// An idempotent producer whose Produce response is lost retries the batch, and the broker keeps one copy. A proxy
// (clients/dropping-proxy.ts) between the client and the broker lets the first Produce request through, drops the
// broker's answer and cuts the client's connection; the broker advertises the proxy's port, so every connection of
// the client goes through it. For confluent-kafka (librdkafka), kafkajs and @platformatic/kafka: the proxy really
// dropped an answer, the client sent that very batch again (same producer id, epoch and sequence), every record was
// acknowledged at its own offset, and the topic holds each record exactly once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestBroker } from './broker-test-support.ts';
import { pythonProduce } from './clients/client-processes.ts';
import { DroppingProxy } from './clients/dropping-proxy.ts';
import {
  type Acknowledgement,
  kafkajsClient,
  kafkajsRead,
  platformaticProduce,
  type RecordToProduce,
} from './clients/node-clients.ts';

const TOPIC = 'payments';
const COUNT = 30;

const values = Array.from({ length: COUNT }, (_, index) => `payment-${index}`);
const records: RecordToProduce[] = values.map((value) => ({
  partition: 0,
  key: null,
  value: Buffer.from(value).toString('hex'),
  headers: [],
}));

async function kafkajsIdempotentProduce(bootstrap: string): Promise<Acknowledgement[]> {
  const producer = kafkajsClient(bootstrap, 'kafkajs-idempotent').producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    retry: { retries: 5, initialRetryTime: 50 },
  });
  await producer.connect();
  try {
    const [result] = await producer.send({
      topic: TOPIC,
      acks: -1,
      messages: values.map((value) => ({ partition: 0, value })),
    });
    return values.map((_, index) => ({ partition: 0, offset: Number(result.baseOffset) + index }));
  } finally {
    await producer.disconnect();
  }
}

const producers: Record<string, (bootstrap: string) => Promise<Acknowledgement[]>> = {
  'confluent-kafka': (bootstrap) =>
    pythonProduce('confluent-kafka', bootstrap, TOPIC, records, ['--idempotent', '--retries', '10']),
  kafkajs: kafkajsIdempotentProduce,
  '@platformatic/kafka': (bootstrap) => platformaticProduce(bootstrap, TOPIC, records, { idempotent: true }),
};

for (const [client, produce] of Object.entries(producers)) {
  test(`${client}: an idempotent batch retried after its response was lost is stored once`, async () => {
    const proxy = await DroppingProxy.start();
    const broker = await startTestBroker({ advertisedPort: proxy.port });
    proxy.forwardTo(broker.port);
    const bootstrap = `127.0.0.1:${proxy.port}`;
    const admin = kafkajsClient(bootstrap).admin();
    try {
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1 }] });
      const cluster = await admin.describeCluster();
      assert.deepEqual(
        cluster.brokers.map((b) => b.port),
        [proxy.port],
        'the broker advertises the proxy, so no connection bypasses it',
      );

      proxy.dropProduceResponses(1);
      const acknowledged = await produce(bootstrap);

      assert.equal(proxy.droppedResponses, 1, 'the proxy dropped a Produce response');
      const dropped = proxy.forwarded.filter((batch) => batch.responseDropped);
      assert.ok(dropped.length > 0);
      for (const lost of dropped) {
        const retried = proxy.forwarded.find(
          (batch) =>
            !batch.responseDropped &&
            batch.connection > lost.connection &&
            batch.producerId === lost.producerId &&
            batch.producerEpoch === lost.producerEpoch &&
            batch.baseSequence === lost.baseSequence,
        );
        assert.ok(retried, `the batch at sequence ${lost.baseSequence} was sent again on a new connection`);
        assert.ok(lost.producerId >= 0n, 'the batch carries a producer id');
      }
      assert.deepEqual(
        acknowledged,
        values.map((_, offset) => ({ partition: 0, offset })),
        'each record acknowledged once, at consecutive offsets',
      );

      const [end] = await admin.fetchTopicOffsets(TOPIC);
      assert.equal(end.high, String(COUNT), 'the log holds no second copy');
      const read = await kafkajsRead(bootstrap, TOPIC, COUNT);
      assert.deepEqual(
        read.map((record) => Buffer.from(record.value!, 'hex').toString()),
        values,
      );
    } finally {
      await admin.disconnect();
      await broker.dispose();
      await proxy.close();
    }
  });
}
