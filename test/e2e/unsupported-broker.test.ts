import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startOutdatedBroker } from '../../packages/platform/test/fixtures/outdated-broker.ts';
import { type LoggedChild, spawnLogged } from './support/child-process.ts';
import { ServiceNames } from './support/system.ts';

// Each service pointed at a broker too old for @platformatic/kafka (ApiVersions says Fetch up to v11, as Kafka 2.4
// does): readiness answers 503 with code KAFKA_BROKER_UNSUPPORTED, the log says once which API versions are missing
// and that Kafka 3.5+ is required, the service keeps retrying without repeating it, and SIGTERM still exits 0.

const ROOT = new URL('../../', import.meta.url).pathname;
const LISTENING = /^Server listening at (http:\/\/127\.0\.0\.1:\d+)$/;

test('all four services refuse a broker serving Fetch only up to v11 with KAFKA_BROKER_UNSUPPORTED', async () => {
  const broker = await startOutdatedBroker();
  const dir = mkdtempSync(join(tmpdir(), 'unsupported-broker-'));
  const children: LoggedChild[] = [];
  try {
    const started = ServiceNames.map((name) => {
      const child = spawnLogged(name, [join(ROOT, 'services', name, 'src', 'main.ts')], {
        PATH: process.env.PATH ?? '',
        PORT: '0',
        HOST: '127.0.0.1',
        KAFKA_BROKERS: broker.bootstrap,
        ORDERFLOW_DATA_DIR: join(dir, name),
        LOG_LEVEL: 'info',
        ...(name === 'stock-service' ? { ADMIN_TOKEN: 'unsupported-broker-test-token' } : {}),
      });
      children.push(child);
      return child;
    });
    await Promise.all(
      started.map(async (child) => {
        const listening = await child.waitForLine((line) => LISTENING.test(line.msg), '"Server listening"');
        const base = LISTENING.exec(listening.msg)![1]!;
        const refusal = await child.waitForLine(
          (line) => line.code === 'KAFKA_BROKER_UNSUPPORTED',
          'the KAFKA_BROKER_UNSUPPORTED line',
        );
        assert.match(
          refusal.msg,
          /^Kafka broker lacks Fetch v13\+ \(broker offers up to v11\), Metadata v10\+ \(broker offers up to v9\); Apache Kafka 3\.5 or later is required$/,
        );
        assert.equal(refusal.level, 'error');
        // It keeps asking: another start attempt is refused without another line.
        const seen = broker.apiVersionsRequests();
        await broker.waitForApiVersionsRequests(seen + 2);
        const ready = await fetch(`${base}/health/ready`);
        assert.equal(ready.status, 503, `${child.label} readiness`);
        const body = (await ready.json()) as { status: string; code?: string };
        assert.equal(body.status, 'not-ready');
        assert.equal(body.code, 'KAFKA_BROKER_UNSUPPORTED', `${child.label}: ${JSON.stringify(body)}`);
        assert.equal(child.lines.filter((line) => line.code === 'KAFKA_BROKER_UNSUPPORTED').length, 1, child.label);
        child.signal('SIGTERM');
        assert.equal(await child.exited, 0, `${child.label} exit code`);
      }),
    );
  } finally {
    for (const child of children) child.signal('SIGKILL');
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
