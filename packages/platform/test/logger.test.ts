import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from '../src/index.ts';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, destination };
}

test('lines carry the service name, level label, ISO time and child bindings', () => {
  const { lines, destination } = capture();
  const log = createLogger({ name: 'stock-service', level: 'info', destination });
  log.child({ component: 'stock-consumer' }).info({ orderId: 'o-1', partition: 2 }, 'stock reserved');
  log.debug('hidden below the level');
  assert.equal(lines.length, 1);
  const [line] = lines;
  assert.equal(line!.name, 'stock-service');
  assert.equal(line!.level, 'info');
  assert.equal(line!.component, 'stock-consumer');
  assert.equal(line!.orderId, 'o-1');
  assert.equal(line!.partition, 2);
  assert.equal(line!.msg, 'stock reserved');
  assert.ok(!Number.isNaN(Date.parse(String(line!.time))));
});

test('credentials are redacted', () => {
  const { lines, destination } = capture();
  const log = createLogger({ name: 'order-service', level: 'info', destination });
  log.info({ config: { KAFKA_SASL_PASSWORD: 'pw1' }, req: { headers: { authorization: 'Bearer t0k' } } }, 'started');
  const text = JSON.stringify(lines);
  assert.doesNotMatch(text, /pw1|t0k/);
  assert.match(text, /\[redacted\]/);
});
