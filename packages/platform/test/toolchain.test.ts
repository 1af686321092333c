import assert from 'node:assert/strict';
import { test } from 'node:test';

test('tests run under Node.js 24, the version the project pins', () => {
  assert.match(process.versions.node, /^24\./);
});
