// `orderflow load` end to end: the real CLI against the embedded stack (orderflow up on free ports, SQLite in a
// temporary data directory), a few seconds of orders with duplicates, and the report's verdict; then a run with
// --faults that kills the broker and notification-service through the launcher's process registry.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type EmbeddedStack, startEmbeddedStack } from '../src/load/embedded-stack.ts';
import type { LoadReport } from '../src/load/load-report.ts';
import { processRegistryPath } from '../src/launcher/process-registry.ts';

const bin = fileURLToPath(new URL('../src/bin.ts', import.meta.url));
let dataDir: string;
let stack: EmbeddedStack;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'orderflow-load-test-'));
  // Quiet services: the notification log channel would otherwise print a line per notification.
  // The shortest session the services accept, so a killed consumer's place in its group is freed soon.
  stack = await startEmbeddedStack({ dataDir, env: { LOG_LEVEL: 'warn', KAFKA_SESSION_TIMEOUT: '6s' } });
});

after(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function orderflowLoad(
  args: string[],
  dataDirectory = dataDir,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [bin, 'load', ...args], {
    // The admin token is found where orderflow up keeps it; ADMIN_TOKEN from the caller's environment must not win.
    env: { ...process.env, ORDERFLOW_DATA_DIR: dataDirectory, ADMIN_TOKEN: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

test('a short run with duplicates passes every check and says so in its JSON report', async () => {
  const { urls } = stack;
  const { code, stdout, stderr } = await orderflowLoad([
    ...['--rate', '50', '--duration', '3s', '--products', '5', '--stock', '40', '--duplicates', '0.1'],
    ...['--target', urls['order-service']!, '--stock-url', urls['stock-service']!],
    ...['--notifications-url', urls['notification-service']!, '--analytics-url', urls['analytics-service']!],
    ...['--drain-timeout', '30s', '--json'],
  ]);
  const report = JSON.parse(stdout) as LoadReport;
  const failed = report.checks.filter((check) => !check.ok);
  assert.deepEqual(failed, [], `failed checks; stderr: ${stderr}\nstack output:\n${stack.output().slice(-4000)}`);
  assert.equal(code, 0);
  assert.equal(report.verdict, 'pass');
  assert.equal(report.checks.length, 6);
  // Duplicates take arrivals of the schedule rather than adding to it: rate x duration requests in all.
  assert.equal(report.requests.sent, 150);
  // 5 products x 40 units cannot serve 150 orders of 1-3 units: both decisions and the fast fail are exercised.
  assert.ok(report.requests.accepted > 0, 'some orders were accepted');
  assert.ok(report.requests.duplicates.sent > 0, 'some duplicates were sent');
  assert.equal(report.requests.duplicates.replayed, report.requests.duplicates.sent);
  assert.match(report.productPrefix, /^L[a-z0-9]+-$/);
  // No terminal: no progress line, nothing on stderr.
  assert.equal(stderr, '');
});

const stackUrls = () => [
  ...['--target', stack.urls['order-service']!, '--stock-url', stack.urls['stock-service']!],
  ...['--notifications-url', stack.urls['notification-service']!, '--analytics-url', stack.urls['analytics-service']!],
];

test('a faulted run: the broker and notification-service are killed, restarted and ready again, every check holds', async () => {
  const registry = processRegistryPath(dataDir);
  const pidOf = (name: string) =>
    (JSON.parse(readFileSync(join(registry, `${name}.json`), 'utf8')) as { pid: number }).pid;
  const before = { broker: pidOf('broker'), notification: pidOf('notification-service') };
  const { code, stdout, stderr } = await orderflowLoad([
    ...['--rate', '30', '--duration', '4s', '--products', '5', '--stock', '100', '--duplicates', '0.1'],
    ...['--faults', 'notification-service@2s,broker@1s', ...stackUrls(), '--drain-timeout', '40s', '--json'],
  ]);
  const report = JSON.parse(stdout) as LoadReport;
  const context = `stderr: ${stderr}\nreport: ${stdout}\nstack output:\n${stack.output().slice(-4000)}`;
  assert.deepEqual(
    report.checks.filter((check) => !check.ok),
    [],
    context,
  );
  assert.equal(report.checks.length, 6);
  // In the order they happened, each with its kill, the process the launcher started in its place, and readiness.
  assert.deepEqual(
    report.faults.map((fault) => [fault.component, fault.plannedAtSeconds, fault.killedPid, fault.problem]),
    [
      ['broker', 1, before.broker, null],
      ['notification-service', 2, before.notification, null],
    ],
    context,
  );
  for (const fault of report.faults) {
    assert.ok(fault.killedAtSeconds! >= fault.plannedAtSeconds, `${fault.component} killed on time`);
    assert.ok(fault.readyAtSeconds! > fault.killedAtSeconds!, `${fault.component} ready after its kill`);
    assert.ok(fault.newPid !== null && fault.newPid !== fault.killedPid, `${fault.component} restarted`);
  }
  assert.equal(pidOf('broker'), report.faults[0]!.newPid);
  // Whether clients see errors during a short broker outage depends on timing (order-service may reconnect before a
  // publish fails); what must hold is that the fault windows attribute only errors the run really had, once each.
  const sum = (record: Readonly<Record<string, number>>) => Object.values(record).reduce((total, n) => total + n, 0);
  const broker = report.faults[0]!;
  const seen = sum(report.requests.errors) + report.requests.duplicates.unanswered;
  assert.ok(sum(broker.errorsWhileDown) + sum(broker.errorsAfterReady) <= seen, context);
  assert.equal(report.verdict, 'pass');
  assert.equal(code, 0);
});

test('a wrong fault plan is a usage error: one line, exit 2, before anything starts', async () => {
  const { code, stderr } = await orderflowLoad(['--duration', '10s', '--faults', 'broker@12s']);
  assert.equal(code, 2);
  assert.match(stderr, /^orderflow load: --faults: broker@12s is not within the run \(--duration 10s\)/);
});

test('--faults without an orderflow up in the data directory says so, exit 1', async () => {
  const elsewhere = mkdtempSync(join(tmpdir(), 'orderflow-load-no-launcher-'));
  try {
    const { code, stderr } = await orderflowLoad(['--faults', 'broker@1s'], elsewhere);
    assert.equal(code, 1);
    assert.match(
      stderr,
      /--faults needs the orderflow up that runs the stack: none is running with the data directory/,
    );
  } finally {
    rmSync(elsewhere, { recursive: true, force: true });
  }
});

test('a wrong option is a usage error: one line, exit 2', async () => {
  const { code, stderr } = await orderflowLoad(['--rate', 'fast']);
  assert.equal(code, 2);
  assert.match(stderr, /^orderflow load: --rate must be a positive number, got 'fast'\n$/);
});
