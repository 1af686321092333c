// The executables check the Node version before loading any TypeScript: an older Node, such as the Node 20 these
// machines ship, gets one line naming the version needed and how to get it, not ERR_UNKNOWN_FILE_EXTENSION.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const executables = {
  orderflow: fileURLToPath(new URL('../bin/orderflow.mjs', import.meta.url)),
  'orderflow-broker': fileURLToPath(new URL('../../broker/bin/orderflow-broker.mjs', import.meta.url)),
};

/** A Node older than 24 installed on this machine, if there is one. */
function olderNode(): string | undefined {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node', '/bin/node']) {
    if (!existsSync(candidate)) continue;
    const version = execFileSync(candidate, ['--version'], { encoding: 'utf8' }).trim();
    if (Number(/^v(\d+)\./.exec(version)?.[1]) < 24) return candidate;
  }
  return undefined;
}

for (const [name, path] of Object.entries(executables)) {
  test(`${name} on an older Node prints one line saying Node.js 24 is needed and exits 1`, (t) => {
    const node = olderNode();
    if (node === undefined) {
      t.skip('no Node older than 24 on this machine');
      return;
    }
    const result = spawnSync(node, [path, '--help'], { encoding: 'utf8' });
    assert.equal(result.status, 1);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, new RegExp(`^${name} needs Node\\.js 24 or newer \\(this is v\\d+\\.[^\\n]*\\n$`));
  });

  test(`${name} on Node 24 runs the command`, () => {
    const result = spawnSync(process.execPath, [path, '--help'], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`^Usage: ${name} `));
  });
}
