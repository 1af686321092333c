// `orderflow trace` through the real CLI process against the real stack: a confirmed order shows its order-created
// and stock-reserved events and every group that reads them as having processed them; an order nobody knows exits 1.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConsumerGroups, EventTypes, Topics } from '@orderflow/contracts';
import { runCli } from '../../packages/cli/test/cli-process.ts';
import { getOrder, placeAcceptedOrder, uniqueId } from './support/api.ts';
import { eventually } from '@orderflow/platform/testing';
import { withSystem } from './support/system.ts';

interface TraceJson {
  orderId: string;
  status: string | null;
  events: { topic: string; partition: number; offset: number; type: string; groups: Record<string, string> }[];
}

test('trace shows where a confirmed order is: its events and every consumer group past them', async (t) => {
  await withSystem(t, 'sqlite', async (system) => {
    const { order } = await system.startAll();
    const orderId = uniqueId('e2e-trace');
    await placeAcceptedOrder(order, { orderId, productId: 'A001', quantity: 1 });
    await eventually(`order ${orderId} confirmed`, async () => {
      assert.equal((await getOrder(order, orderId)).status, 'CONFIRMED');
    });
    const env = { KAFKA_BROKERS: system.bootstrap };
    const traced = await eventually('every group past the order', async () => {
      const result = await runCli(['trace', orderId, '--target', order.url, '--json'], env);
      assert.equal(result.code, 0, result.stderr);
      const report = JSON.parse(result.stdout) as TraceJson;
      assert.ok(report.events.length >= 2, `two events at least: ${result.stdout}`);
      for (const event of report.events) {
        for (const [group, progress] of Object.entries(event.groups)) {
          assert.equal(progress, 'processed', `${group} on ${event.topic}:${event.offset}`);
        }
      }
      return report;
    });
    assert.equal(traced.status, 'CONFIRMED');
    const created = traced.events.find((event) => event.topic === Topics.orders);
    assert.equal(created?.type, EventTypes.orderCreated);
    for (const group of [ConsumerGroups.stock, ConsumerGroups.notification, ConsumerGroups.analytics]) {
      assert.equal(created?.groups[group], 'processed', group);
    }
    const reply = traced.events.find((event) => event.topic === Topics.stock);
    assert.equal(reply?.type, EventTypes.stockReserved);
    assert.equal(reply?.groups[ConsumerGroups.order], 'processed');

    const table = await runCli(['trace', orderId, '--target', order.url], env);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, new RegExp(`order ${orderId}: CONFIRMED`));
    assert.match(table.stdout, /order-topic\s+\d+\s+\d+\s+\S+\s+\S+order\.created\S*\s+stock-service\s+processed/);

    const unknown = await runCli(['trace', 'no-such-order', '--target', order.url], env);
    assert.equal(unknown.code, 1, unknown.stdout);
    assert.match(unknown.stderr, /no order 'no-such-order'/);
    const usage = await runCli(['trace'], env);
    assert.equal(usage.code, 2);
  });
});
