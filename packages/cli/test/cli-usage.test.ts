// The command line itself: every command explains itself with --help (exit 0), and a wrong flag, a missing argument
// or a bad value is one line on stderr and exit 2, before anything connects anywhere.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from './cli-process.ts';

const COMMANDS = ['up', 'broker', 'tail', 'topics', 'groups', 'order'];

test('orderflow --help lists every command', async () => {
  const result = await runCli(['--help']);
  assert.equal(result.code, 0, result.stderr);
  for (const command of COMMANDS) assert.match(result.stdout, new RegExp(`^  ${command}\\s`, 'm'));
});

for (const command of COMMANDS) {
  test(`orderflow ${command} --help prints its usage and exits 0`, async () => {
    const result = await runCli([command, '--help']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`^Usage: orderflow ${command}\\b`, 'm'));
    assert.equal(result.stderr, '');
  });
}

const usageErrors: readonly { args: string[]; env?: Record<string, string>; says: RegExp }[] = [
  { args: ['nonsense'], says: /unknown command 'nonsense'/ },
  { args: ['tail'], says: /^orderflow tail: missing <topic>/ },
  { args: ['tail', 'order-topic', '--bogus'], says: /^orderflow tail: Unknown option '--bogus'/ },
  { args: ['tail', 'order-topic', '--group'], says: /^orderflow tail: Option '--group <value>' argument missing/ },
  { args: ['topics', '--bogus'], says: /^orderflow topics: Unknown option '--bogus'/ },
  {
    args: ['topics'],
    env: { KAFKA_BROKERS: 'no-port' },
    says: /^orderflow topics: KAFKA_BROKERS="no-port" is invalid/,
  },
  { args: ['groups', '--json=yes'], says: /^orderflow groups: Option '--json' does not take an argument/ },
  { args: ['order', '--quantity', '2'], says: /^orderflow order: missing --product/ },
  { args: ['order', '--product', 'A001'], says: /^orderflow order: missing --quantity/ },
  { args: ['order', '--product', 'A001', '--quantity', '0'], says: /--quantity must be a positive integer, got '0'/ },
  {
    args: ['order', '--product', 'A001', '--quantity', '2', '--timeout', 'soon'],
    says: /--timeout must be a duration/,
  },
  { args: ['order', '--product', 'A001', '--quantity', '2', '--target', 'ftp://x'], says: /--target must be an http/ },
  { args: ['up', '--bogus'], says: /^orderflow up: Unknown option '--bogus'/ },
  { args: ['broker', '--port', 'many'], says: /^orderflow broker: / },
];

for (const { args, env, says } of usageErrors) {
  test(`orderflow ${args.join(' ')}${env ? ` (${Object.entries(env).flat().join('=')})` : ''} is a usage error`, async () => {
    const result = await runCli(args, env);
    assert.equal(result.code, 2, `stdout: ${result.stdout}\nstderr: ${result.stderr}`);
    assert.equal(result.stdout, '');
    const lines = result.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, `one line, got:\n${result.stderr}`);
    assert.match(lines[0], says);
  });
}
