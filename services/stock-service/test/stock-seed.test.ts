import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ConfigError, loadConfig } from '@orderflow/platform';
import { stockConfigSpec } from '../src/stock-config.ts';
import { resolveSeed, type SeedSettings } from '../src/stock-seed.ts';

const dir = mkdtempSync(join(tmpdir(), 'stock-seed-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function seedFile(content: string): string {
  const path = join(dir, `seed-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, content);
  return path;
}

const none: SeedSettings = { STOCK_SEED: undefined, STOCK_SEED_FILE: undefined };

test('without a seed the catalogue is A001..A020 with 100 units each', () => {
  const levels = resolveSeed(none);
  assert.equal(levels.size, 20);
  assert.equal(levels.get('A001'), 100);
  assert.equal(levels.get('A020'), 100);
  assert.equal(levels.has('A021'), false);
});

test('STOCK_SEED reads PRODUCT=UNITS pairs', () => {
  assert.deepEqual(
    resolveSeed({ ...none, STOCK_SEED: 'A001=100, B-7=0,' }),
    new Map([
      ['A001', 100],
      ['B-7', 0],
    ]),
  );
});

test('STOCK_SEED_FILE reads a JSON object of product to units', () => {
  const path = seedFile('{ "A001": 100, "A002": 50 }');
  assert.deepEqual(
    resolveSeed({ ...none, STOCK_SEED_FILE: path }),
    new Map([
      ['A001', 100],
      ['A002', 50],
    ]),
  );
});

test('a bad seed fails start-up with a message naming the variable and the problem', () => {
  const cases: [Partial<SeedSettings>, RegExp][] = [
    [{ STOCK_SEED: 'A001' }, /STOCK_SEED item "A001" is invalid/],
    [{ STOCK_SEED: 'A001=-1' }, /STOCK_SEED item "A001=-1" is invalid/],
    [{ STOCK_SEED: 'A001=1,A001=2' }, /A001 is listed twice/],
    [{ STOCK_SEED: ',' }, /STOCK_SEED lists no products/],
    [{ STOCK_SEED_FILE: seedFile('[1, 2]') }, /must hold a JSON object/],
    [{ STOCK_SEED_FILE: seedFile('{"A001": 1.5}') }, /units of A001 must be an integer/],
    [{ STOCK_SEED_FILE: seedFile('{"has space": 1}') }, /product id "has space" is invalid/],
    [{ STOCK_SEED_FILE: seedFile('{"A001": ') }, /STOCK_SEED_FILE .* is unreadable/],
    [{ STOCK_SEED_FILE: join(dir, 'missing.json') }, /is unreadable/],
    [{ STOCK_SEED: 'A=1', STOCK_SEED_FILE: 'x.json' }, /set only one of them/],
  ];
  for (const [settings, message] of cases) {
    assert.throws(
      () => resolveSeed({ ...none, ...settings }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, message);
        return true;
      },
    );
  }
});

test('the config defaults: port 8082, admin API off, seven days of reservation records', () => {
  const config = loadConfig(stockConfigSpec, {});
  assert.equal(config.PORT, 8082);
  assert.equal(config.KAFKA_CLIENT_ID, 'stock-service');
  assert.equal(config.ADMIN_TOKEN, undefined);
  assert.equal(config.STOCK_RESERVATION_RETENTION, 7 * 24 * 3600 * 1000);
  assert.throws(() => loadConfig(stockConfigSpec, { ADMIN_TOKEN: 'has space' }), /ADMIN_TOKEN=\(hidden\) is invalid/);
});
