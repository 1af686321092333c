// The Node.js version is pinned in several places a newcomer or a deployment reads: the `node` devDependency (what
// npm scripts run on), engines, .nvmrc (nvm), the Dockerfile's base images and the old-Node guard of the CLI. They
// must name the same major version, and the tests must run on the Node the devDependency installed.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const root = join(import.meta.dirname, '..', '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const rootPackage = JSON.parse(read('package.json')) as {
  engines: { node: string };
  devDependencies: Record<string, string>;
};
const pinnedMajor = Number(/^\^?(\d+)\./.exec(rootPackage.devDependencies.node)?.[1]);

test('the tests run on the Node.js the node devDependency installed', () => {
  const installed = JSON.parse(read('node_modules/node/package.json')) as { version: string };
  assert.equal(process.versions.node, installed.version);
  assert.equal(Number(process.versions.node.split('.')[0]), pinnedMajor);
});

test('engines, .nvmrc, the Dockerfile and the CLI guard name the pinned major version', () => {
  assert.ok(pinnedMajor >= 24, `the node devDependency ${rootPackage.devDependencies.node} names a major version`);
  assert.equal(rootPackage.engines.node, `>=${pinnedMajor}`);
  assert.equal(read('.nvmrc').trim(), String(pinnedMajor));
  const bases = [...read('Dockerfile').matchAll(/^FROM (\S+)/gm)].map((match) => match[1]);
  assert.ok(bases.length > 0, 'the Dockerfile has FROM lines');
  for (const base of bases) assert.equal(base, `node:${pinnedMajor}-slim`);
  assert.match(read('packages/cli/bin/require-node24.mjs'), new RegExp(`major < ${pinnedMajor}\\b`));
});
