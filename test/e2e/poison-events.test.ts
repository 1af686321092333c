import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type AnyCloudEvent, CLOUDEVENTS_CONTENT_TYPE, ConsumerGroups, EventTypes, Topics } from '@orderflow/contracts';
import type { ReadRecord } from '@orderflow/platform/testing';
import { deadLetterTopic } from '@orderflow/platform';
import { getOrder, getProductStats, getStats, listNotifications, placeAcceptedOrder, uniqueId } from './support/api.ts';
import { eventually } from '@orderflow/platform/testing';
import { rawProducer, readTopics } from './support/kafka.ts';
import { BACKENDS, withSystem } from './support/system.ts';

// Records no service can process, written straight to order-topic ahead of a real order on the same partition:
// every group that consumes order-topic dead-letters both to its own dead-letter topic with the reason in the
// headers, and goes on to process the order behind them.

const PRODUCT = 'A001';
const UNKNOWN_TYPE = 'com.orderflow.order.teleported.v1';
/** The groups that consume order-topic (order-service reads only stock-topic). */
const GROUPS = [ConsumerGroups.stock, ConsumerGroups.notification, ConsumerGroups.analytics] as const;

for (const backend of BACKENDS) {
  test(`poison records on order-topic are dead-lettered by every consuming group, and the next order goes through (${backend})`, async (t) => {
    await withSystem(t, backend, async (system) => {
      const { order, notification, analytics } = await system.startAll();
      const orderId = uniqueId('e2e-poison');
      const notJson = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`{"orderId": "${orderId}", oops`)]);
      const unknownType = Buffer.from(
        JSON.stringify({
          specversion: '1.0',
          id: uniqueId('poison'),
          source: '/e2e/poison',
          type: UNKNOWN_TYPE,
          time: new Date().toISOString(),
          datacontenttype: 'application/json',
          data: { orderId, productId: PRODUCT, quantity: 1 },
        }),
      );

      // Keyed like the order placed next, so both land on its partition ahead of it.
      const producer = rawProducer(system.bootstrap);
      try {
        await producer.publish(Topics.orders, { key: orderId, value: notJson });
        await producer.publish(Topics.orders, {
          key: orderId,
          value: unknownType,
          headers: { 'content-type': CLOUDEVENTS_CONTENT_TYPE },
        });
      } finally {
        await producer.close();
      }
      await placeAcceptedOrder(order, { orderId, productId: PRODUCT, quantity: 1 });

      const decided = await eventually(`order ${orderId} decided`, async () => {
        const view = await getOrder(order, orderId);
        assert.notEqual(view.status, 'PENDING');
        return view;
      });
      assert.equal(decided.status, 'CONFIRMED');
      // Analytics counts the order from order-topic and its confirmation from stock-topic, in either order: wait for
      // both. The poison records sit ahead of the order on its partition, so by then they have been dealt with.
      const stats = await eventually('analytics counted the order and its confirmation', async () => {
        const { totals } = await getStats(analytics);
        assert.ok(totals.orders >= 1 && totals.confirmed >= 1);
        return totals;
      });
      assert.deepEqual([stats.orders, stats.confirmed, stats.rejected], [1, 1, 0], 'the poison is not counted');
      assert.deepEqual(await getProductStats(analytics, PRODUCT), {
        orders: 1,
        quantity: 1,
        confirmed: 1,
        rejected: 0,
      });
      await eventually('the order notified', async () => {
        const sent = (await listNotifications(notification, orderId)).filter((n) => n.status === 'SENT');
        assert.equal(sent.length, 2);
      });

      const dlqTopics = GROUPS.map((group) => deadLetterTopic(Topics.orders, group));
      const reader = await readTopics(system.bootstrap, [Topics.orders, ...dlqTopics]);
      try {
        const letters = await eventually('both records in every dead-letter topic', async () => {
          const byTopic = new Map(dlqTopics.map((topic) => [topic, reader.records.filter((r) => r.topic === topic)]));
          for (const [topic, records] of byTopic) assert.equal(records.length, 2, topic);
          return byTopic;
        });
        // Where the order sits on order-topic: behind both poison records on their partition. Every group above
        // processed it (confirmed, notified, counted), and a group handles a partition in offset order.
        const placed = await eventually('the order on order-topic', async () => {
          const found = reader.records.find(
            (record) =>
              record.topic === Topics.orders &&
              record.event?.type === EventTypes.orderCreated &&
              record.event.data.orderId === orderId,
          );
          assert.ok(found);
          return found;
        });
        for (const group of GROUPS) {
          const records = letters.get(deadLetterTopic(Topics.orders, group))!;
          const malformed = records.find((record) => record.value.equals(notJson));
          const unknown = records.find((record) => record.value.equals(unknownType));
          assert.ok(malformed && unknown, `${group}: the original bytes are kept`);
          assertLetter(malformed, group, orderId, 'EVENT_MALFORMED_JSON', /JSON/);
          assertLetter(unknown, group, orderId, 'EVENT_UNKNOWN_TYPE', new RegExp(UNKNOWN_TYPE.replaceAll('.', '\\.')));
          for (const letter of [malformed, unknown]) {
            assert.equal(
              Number(letter.headers['dlq-original-partition']),
              placed.partition,
              `${group}: same partition`,
            );
          }
          const poisonOffsets = [malformed, unknown].map((letter) => BigInt(letter.headers['dlq-original-offset']!));
          assert.ok(poisonOffsets[0]! < poisonOffsets[1]! && poisonOffsets[1]! < placed.offset, `${group}: offsets`);
        }
      } finally {
        await reader.stop();
      }
    });
  });
}

function assertLetter(
  letter: ReadRecord<AnyCloudEvent>,
  group: string,
  orderId: string,
  code: string,
  reason: RegExp,
): void {
  const { headers } = letter;
  assert.equal(letter.key, orderId, `${group}: key kept`);
  assert.equal(headers['dlq-original-topic'], Topics.orders);
  assert.equal(headers['dlq-consumer-group'], group);
  assert.equal(headers['dlq-error-code'], code, `${group}: ${JSON.stringify(headers)}`);
  assert.match(headers['dlq-error-reason'] ?? '', reason, `${group}: reason in dlq-error-reason`);
  assert.match(headers['dlq-original-partition'] ?? '', /^\d+$/);
  assert.match(headers['dlq-original-offset'] ?? '', /^\d+$/);
  assert.ok(!Number.isNaN(Date.parse(headers['dlq-failed-at'] ?? '')), `${group}: dlq-failed-at`);
}
