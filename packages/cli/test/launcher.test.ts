// The launcher: port conflicts named before anything starts, --only checked, `orderflow broker` stopped by a
// terminal's Ctrl-C, and `orderflow up` running the whole system: an order placed through it is confirmed, and one
// Ctrl-C (even the doubled one `npm start` delivers) stops every process it started, exit 0.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { runCli, startCli } from './cli-process.ts';
import { childPids, isRunning, launcherPorts, tempDir } from './launcher-support.ts';

const UP_TIMEOUT_MS = 120_000;

test('up names a port that is taken, the process holding it and the variable that moves it', async (t) => {
  const holder = createServer();
  holder.listen(0, '127.0.0.1');
  await once(holder, 'listening');
  t.after(() => holder.close());
  const taken = (holder.address() as { port: number }).port;

  const result = await runCli(['up'], {
    ...(await launcherPorts()),
    ORDER_SERVICE_PORT: String(taken),
    ORDERFLOW_DATA_DIR: await tempDir(t),
  });
  assert.equal(result.code, 1, result.stderr);
  const lines = result.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0], new RegExp(`^orderflow: port ${taken} \\(order-service\\) is already in use by `));
  assert.ok(lines[0].includes(`(pid ${process.pid})`), `names this test's process: ${lines[0]}`);
  assert.ok(lines[0].includes(`ORDER_SERVICE_PORT=<port>`), lines[0]);
  assert.equal(result.stdout, '', 'nothing was started');
});

test('up with an unknown service in --only is a usage error naming it', async (t) => {
  const result = await runCli(['up', '--only', 'stock-service,billing-service'], {
    ...(await launcherPorts()),
    ORDERFLOW_DATA_DIR: await tempDir(t),
  });
  assert.equal(result.code, 2, result.stderr);
  assert.equal(result.stderr.trimEnd().split('\n').length, 1, result.stderr);
  assert.match(result.stderr, /^orderflow up: unknown service 'billing-service' in --only \(known: order-service, /);
});

test('orderflow broker on port 0 stops on a Ctrl-C to its process group and exits 0', async (t) => {
  const dataDir = await tempDir(t);
  const broker = startCli(t, ['broker', '--port', '0', '--data-dir', dataDir], {}, { ownProcessGroup: true });
  await broker.waitForLines((lines) => lines.some((line) => line.includes('broker listening')), 30_000, 'listening');
  const [brokerPid] = childPids(broker.pid);
  assert.ok(brokerPid !== undefined, 'the broker runs as a child');

  // What a terminal does on Ctrl-C: SIGINT to every process of the foreground group.
  process.kill(-broker.pid, 'SIGINT');
  assert.deepEqual(await broker.exited(), { code: 0, signal: null }, broker.stderr());
  const shutdowns = broker.lines.filter((line) => line.includes('"shutting down"'));
  assert.equal(shutdowns.length, 1, 'the broker got the signal once, not once from the terminal and once from us');
  assert.ok(broker.lines.some((line) => line.includes('broker stopped')));
  assert.equal(isRunning(brokerPid), false);
});

test('orderflow up runs the system: an order is confirmed, and Ctrl-C stops every child, exit 0', async (t) => {
  const ports = await launcherPorts();
  const dataDir = await tempDir(t);
  const up = startCli(t, ['up'], { ...ports, ORDERFLOW_DATA_DIR: dataDir }, { ownProcessGroup: true });
  let children: number[] = [];
  t.after(() => {
    for (const pid of children) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
  });

  // Not a terminal, so the launcher prints JSON lines; its own summary is the "orderflow is up" one.
  await up.waitForLines(
    (lines) => lines.some((line) => line.includes('"msg":"orderflow is up"')),
    UP_TIMEOUT_MS,
    'orderflow is up',
  );
  const summary = JSON.parse(up.lines.find((line) => line.includes('"msg":"orderflow is up"'))!) as {
    name: string;
    urls: Record<string, string>;
  };
  assert.equal(summary.name, 'orderflow');
  const orderService = `http://127.0.0.1:${ports.ORDER_SERVICE_PORT}`;
  assert.equal(summary.urls['order-service'], orderService);
  children = childPids(up.pid);
  assert.equal(children.length, 5, `the broker and four services: ${children.join(', ')}`);

  // The README's first order.
  const placed = await fetch(`${orderService}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ orderId: '1', productId: 'A001', quantity: 2 }),
  });
  assert.equal(placed.status, 202, await placed.clone().text());
  let status = 'PENDING';
  const deadline = Date.now() + 30_000;
  while (status === 'PENDING' && Date.now() < deadline) {
    await delay(200);
    const order = (await (await fetch(`${orderService}/orders/1`)).json()) as { status: string };
    status = order.status;
  }
  assert.equal(status, 'CONFIRMED');

  // The event is on the embedded broker, as `orderflow tail` shows it.
  const tail = startCli(t, ['tail', 'order-topic', '--from-beginning'], {
    KAFKA_BROKERS: `127.0.0.1:${ports.ORDERFLOW_BROKER_PORT}`,
  });
  await tail.waitForLines((lines) => lines.length >= 1, 30_000, 'the order-created event');
  assert.equal((await tail.signalAndWait('SIGINT')).code, 0, tail.stderr());
  const event = JSON.parse(tail.lines[0]) as { value: { type: string; data: { orderId: string } } };
  assert.equal(event.value.type, 'com.orderflow.order.created.v1');
  assert.equal(event.value.data.orderId, '1');

  // One Ctrl-C under `npm start`: the terminal signals the group, and npm forwards the same SIGINT a moment later
  // (sent back to back, the kernel would merge the two into one pending signal).
  process.kill(-up.pid, 'SIGINT');
  await delay(100);
  process.kill(up.pid, 'SIGINT');
  assert.deepEqual(
    await up.exited(60_000),
    { code: 0, signal: null },
    `stderr:\n${up.stderr()}\nlast lines:\n${up.lines.slice(-15).join('\n')}`,
  );
  assert.ok(
    up.lines.some((line) => line.includes('"msg":"stopped"')),
    'stopped gracefully, not killed as after a second Ctrl-C',
  );
  for (const pid of children) assert.equal(isRunning(pid), false, `child ${pid} is gone`);

  // Only the launcher got the Ctrl-C; each child got exactly one SIGTERM from it, the broker after the services.
  const shutdowns = up.lines
    .filter((line) => line.includes('"msg":"shutting down"'))
    .map((line) => JSON.parse(line) as { name: string; signal: string });
  assert.deepEqual(
    shutdowns.map(({ name, signal }) => `${name} ${signal}`).sort(),
    ['analytics-service', 'broker', 'notification-service', 'order-service', 'stock-service'].map(
      (name) => `${name} SIGTERM`,
    ),
  );
  assert.equal(shutdowns.at(-1)?.name, 'broker', 'the broker stops last, once the services have committed and left');
});
