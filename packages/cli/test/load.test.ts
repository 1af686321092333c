// `orderflow load` end to end: the real CLI against the embedded stack (orderflow up on free ports, SQLite in a
// temporary data directory), a few seconds of orders with duplicates, and the report's verdict.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type EmbeddedStack, startEmbeddedStack } from '../src/load/embedded-stack.ts';
import type { LoadReport } from '../src/load/load-report.ts';

const bin = fileURLToPath(new URL('../src/bin.ts', import.meta.url));
let dataDir: string;
let stack: EmbeddedStack;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'orderflow-load-test-'));
  // Quiet services: the notification log channel would otherwise print a line per notification.
  stack = await startEmbeddedStack({ dataDir, env: { LOG_LEVEL: 'warn' } });
});

after(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function orderflowLoad(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [bin, 'load', ...args], {
    // The admin token is found where orderflow up keeps it; ADMIN_TOKEN from the caller's environment must not win.
    env: { ...process.env, ORDERFLOW_DATA_DIR: dataDir, ADMIN_TOKEN: '' },
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

test('a wrong option is a usage error: one line, exit 2', async () => {
  const { code, stderr } = await orderflowLoad(['--rate', 'fast']);
  assert.equal(code, 2);
  assert.match(stderr, /^orderflow load: --rate must be a positive number, got 'fast'\n$/);
});
