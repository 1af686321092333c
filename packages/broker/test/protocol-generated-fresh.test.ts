// The committed codecs in src/protocol/generated must be exactly what the generator produces from the Kafka message
// definitions today; a stale file (the generator or its input changed, or someone edited the output) fails here.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

const BROKER_DIR = resolve(import.meta.dirname, '..');
const GENERATOR = join(BROKER_DIR, 'scripts/generate-protocol.ts');
const COMMITTED_DIR = join(BROKER_DIR, 'src/protocol/generated');

test('the committed generated codecs match a fresh run of the generator', (t) => {
  const outputDir = mkdtempSync(join(tmpdir(), 'protocol-generated-'));
  t.after(() => rmSync(outputDir, { recursive: true, force: true }));
  execFileSync(process.execPath, [GENERATOR, outputDir], { stdio: 'pipe' });

  const fresh = readdirSync(outputDir).sort();
  const committed = readdirSync(COMMITTED_DIR).sort();
  assert.deepEqual(committed, fresh, 'the generated file set differs; run the generator and commit its output');
  assert.ok(fresh.includes('index.ts') && fresh.includes('produce.ts') && fresh.includes('request-header.ts'));
  for (const name of fresh) {
    const expected = readFileSync(join(outputDir, name), 'utf8');
    const actual = readFileSync(join(COMMITTED_DIR, name), 'utf8');
    assert.ok(
      actual === expected,
      `${name} is stale: regenerate with node_modules/.bin/node packages/broker/scripts/generate-protocol.ts`,
    );
  }
});
