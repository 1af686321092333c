// `orderflow up` looking after the system, as a user meets it:
// - a service killed with SIGKILL is restarted on its port, while the other services keep answering;
// - without ADMIN_TOKEN a token is generated for the data directory, kept in <ORDERFLOW_DATA_DIR>/admin-token,
//   accepted by stock-service (a wrong one is refused), printed in the terminal summary and reused by the next `up`;
// - the environment given to `up` reaches the services (STOCK_SEED);
// - a second Ctrl-C more than 1 s after the first, while a service hangs in its shutdown, kills everything: exit 130;
// - --only starts the services it names and the broker, nothing else.
// Two starts on one data directory, since each costs seconds: the whole system with JSON output, ended by the forced
// Ctrl-C, then --only on a terminal, which finds the token the first run generated, ended by one Ctrl-C.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, type TestContext, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { brokerEntry, serviceDefinitions } from '../src/services.ts';
import { canRunInTerminal, startCli } from './cli-process.ts';
import { childPids, commandLine, isAlive, isListening, type LauncherPorts, launcherPorts } from './launcher-support.ts';

const UP_TIMEOUT_MS = 120_000;
/** A Ctrl-C repeated within this window is the same Ctrl-C (shutdown-signals.ts); only a later one forces. */
const REPEAT_WINDOW_MS = 1000;
const RESTART_NOTICE = 'stock-service exited; restarting it, the other services keep running';
/** The shortest session the services accept: the killed stock-service's place in its group is freed after it. */
const SESSION_TIMEOUT = '6s';
/** How long the graceful stop waits for a service before killing it (up.ts). */
const SERVICE_STOP_GRACE_MS = 12_000;

const dataDir = mkdtempSync(join(tmpdir(), 'orderflow-cli-supervision-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));
/** The token the first run generated; the second run must find the same one. */
let generatedToken: string | undefined;

const urlOf = (ports: LauncherPorts, service: string) => {
  const variable = serviceDefinitions.find(({ name }) => name === service)!.portVariable as keyof LauncherPorts;
  return `http://127.0.0.1:${ports[variable]}`;
};

/** One JSON line of the output: the launcher's own (name "orderflow"), or a service's or the broker's, passed on. */
interface JsonLine {
  readonly name: string;
  readonly msg: string;
  readonly [field: string]: unknown;
}

function jsonLines(lines: readonly string[]): JsonLine[] {
  return lines.flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      return [JSON.parse(line) as JsonLine];
    } catch {
      return [];
    }
  });
}

const launcherMessages = (lines: readonly string[]) => jsonLines(lines).filter((line) => line.name === 'orderflow');
const logged = (msg: string) => (lines: readonly string[]) => launcherMessages(lines).some((m) => m.msg === msg);

/** The launcher's children by what they run: 'broker' or the service's name. */
function childrenOf(launcherPid: number): Map<string, number> {
  const roles = [
    { role: 'broker', entry: brokerEntry },
    ...serviceDefinitions.map(({ name, entry }) => ({ role: name, entry })),
  ];
  const children = new Map<string, number>();
  for (const pid of childPids(launcherPid)) {
    const command = commandLine(pid);
    const role = roles.find(({ entry }) => command.split(' ').includes(entry))?.role ?? `unknown: ${command}`;
    assert.ok(!children.has(role), `two children run ${role}`);
    children.set(role, pid);
  }
  return children;
}

/**
 * Children live in process groups of their own, so a launcher killed by a failed test's cleanup would leave them
 * running: kill every child seen, as long as it still runs one of ours.
 */
function killLeftovers(t: TestContext): (children: ReadonlyMap<string, number>) => void {
  const seen = new Map<number, string>();
  t.after(() => {
    for (const [pid, command] of seen) {
      if (isAlive(pid) && commandLine(pid) === command) process.kill(pid, 'SIGKILL');
    }
  });
  return (children) => {
    for (const pid of children.values()) seen.set(pid, commandLine(pid));
  };
}

interface Answer {
  readonly status: number;
  readonly body: unknown;
}

async function request(method: string, url: string, options: { token?: string; body?: unknown } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(url, {
    method,
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: /json/.test(response.headers.get('content-type') ?? '') ? JSON.parse(text) : text,
  };
}

/** Polls `probe` until it returns true; what it throws fails at once. */
async function until(what: string, probe: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await probe())) {
    if (performance.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await delay(200);
  }
}

const problemCode = (answer: Answer) => (answer.body as { code?: unknown }).code;

test('up restarts a service killed with SIGKILL while the others keep answering, gives the services its environment and a generated admin token, and a second Ctrl-C kills everything (exit 130)', async (t) => {
  const ports = await launcherPorts();
  const up = startCli(
    t,
    ['up'],
    { ...ports, ORDERFLOW_DATA_DIR: dataDir, KAFKA_SESSION_TIMEOUT: SESSION_TIMEOUT, STOCK_SEED: 'Z900=7' },
    { ownProcessGroup: true },
  );
  const remember = killLeftovers(t);
  const report = () => `stderr:\n${up.stderr()}\nlast lines:\n${up.lines.slice(-20).join('\n')}`;
  await up.waitForLines(logged('orderflow is up'), UP_TIMEOUT_MS, 'orderflow is up');
  const started = childrenOf(up.pid);
  remember(started);
  assert.deepEqual([...started.keys()].sort(), [
    'analytics-service',
    'broker',
    'notification-service',
    'order-service',
    'stock-service',
  ]);
  const stock = urlOf(ports, 'stock-service');

  // STOCK_SEED, given to `up`, is the catalogue stock-service started with (instead of A001…A020).
  assert.deepEqual(await request('GET', `${stock}/stock`), {
    status: 200,
    body: { products: [{ productId: 'Z900', available: 7 }] },
  });

  // No ADMIN_TOKEN: one was generated, kept for the user alone in the data directory, and stock-service takes it.
  const tokenFile = join(dataDir, 'admin-token');
  const token = readFileSync(tokenFile, 'utf8').trim();
  assert.match(token, /^[A-Za-z0-9_-]{32}$/);
  assert.equal(statSync(tokenFile).mode & 0o777, 0o600);
  generatedToken = token;
  // The JSON summary says where the token is, and keeps the token itself out of the log.
  const summaryLine = up.lines.find((line) => line.includes('"msg":"orderflow is up"'))!;
  assert.equal((JSON.parse(summaryLine) as { adminTokenSource?: string }).adminTokenSource, tokenFile);
  assert.ok(!summaryLine.includes(token));
  assert.deepEqual(await request('PUT', `${stock}/stock/Z901`, { token, body: { available: 3 } }), {
    status: 201,
    body: { productId: 'Z901', available: 3 },
  });
  const wrong = await request('PUT', `${stock}/stock/Z901`, { token: `${token}x`, body: { available: 99 } });
  assert.deepEqual([wrong.status, problemCode(wrong)], [403, 'ADMIN_TOKEN_INVALID']);
  const missing = await request('PUT', `${stock}/stock/Z901`, { body: { available: 99 } });
  assert.deepEqual([missing.status, problemCode(missing)], [401, 'ADMIN_TOKEN_REQUIRED']);
  assert.deepEqual((await request('GET', `${stock}/stock/Z901`)).body, { productId: 'Z901', available: 3 });

  // stock-service dies without a chance to clean up.
  process.kill(started.get('stock-service')!, 'SIGKILL');
  await up.waitForLines(logged(RESTART_NOTICE), 30_000, 'the restart notice');
  const notice = launcherMessages(up.lines).find((m) => m.msg === RESTART_NOTICE)!;
  assert.deepEqual([notice.code, notice.signal], [null, 'SIGKILL']);
  assert.equal(await isListening(ports.STOCK_SERVICE_PORT), false, 'stock-service is down');

  // Meanwhile the others answer, and order-service accepts an order that stock-service will decide once it is back.
  const order = urlOf(ports, 'order-service');
  const placed = await request('POST', `${order}/orders`, {
    body: { orderId: 'while-stock-is-down', productId: 'Z900', quantity: 2 },
  });
  assert.equal(placed.status, 202, JSON.stringify(placed.body));
  let downRounds = 0;
  await until(
    'stock-service ready again on its port',
    async () => {
      for (const service of ['order-service', 'notification-service', 'analytics-service']) {
        const live = await request('GET', `${urlOf(ports, service)}/health/live`);
        assert.equal(live.status, 200, `${service} answers /health/live while stock-service is down`);
      }
      const ready = await request('GET', `${stock}/health/ready`).catch(() => undefined);
      if (ready?.status === 200) return true;
      downRounds += 1;
      return false;
    },
    60_000,
  );
  assert.ok(downRounds > 0, 'the others were checked while stock-service was not ready');

  // The same stock-service, in a new process: its data, its token, and it decides the order placed while it was down.
  const restarted = childrenOf(up.pid);
  remember(restarted);
  assert.notEqual(restarted.get('stock-service'), started.get('stock-service'));
  for (const service of ['broker', 'order-service', 'notification-service', 'analytics-service']) {
    assert.equal(restarted.get(service), started.get(service), `${service} kept running, not restarted`);
  }
  assert.deepEqual(
    launcherMessages(up.lines)
      .filter((m) => m.msg.includes('exited'))
      .map((m) => m.msg),
    [RESTART_NOTICE],
    'only stock-service was restarted, once',
  );
  assert.deepEqual(await request('PUT', `${stock}/stock/Z901`, { token, body: { available: 4 } }), {
    status: 200,
    body: { productId: 'Z901', available: 4 },
  });
  let status: unknown = 'PENDING';
  await until(
    'the order placed while stock-service was down decided',
    async () => {
      status = ((await request('GET', `${order}/orders/while-stock-is-down`)).body as { status?: unknown }).status;
      return status !== 'PENDING';
    },
    30_000,
  );
  assert.equal(status, 'CONFIRMED');
  assert.deepEqual((await request('GET', `${stock}/stock/Z900`)).body, { productId: 'Z900', available: 5 });

  // A service that hangs in its shutdown (stopped, so it cannot act on SIGTERM) keeps the graceful stop waiting...
  process.kill(restarted.get('analytics-service')!, 'SIGSTOP');
  process.kill(up.pid, 'SIGINT');
  await up.waitForLines(logged('shutting down (press Ctrl-C again to force)'), 10_000, 'the first Ctrl-C');
  // ...until a Ctrl-C after the repeat window, which the launcher measures in time: so the test waits it out.
  await delay(REPEAT_WINDOW_MS + 200);
  assert.equal(up.child.exitCode, null, `still waiting for analytics-service to stop\n${report()}`);
  assert.ok(!logged('stopped')(up.lines), 'not stopped yet');
  const forcedAt = performance.now();
  process.kill(up.pid, 'SIGINT');
  assert.deepEqual(await up.exited(30_000), { code: 130, signal: null }, report());
  assert.ok(logged('second signal: killing everything now')(up.lines), report());
  // Killed at once: not after the 12 s the graceful stop gives a service, and the broker never got to stop gently.
  const forcedInMs = performance.now() - forcedAt;
  assert.ok(forcedInMs < SERVICE_STOP_GRACE_MS / 2, `exited ${Math.round(forcedInMs)} ms after the second Ctrl-C`);
  const gentleStops = jsonLines(up.lines)
    .filter((line) => line.msg === 'shutting down' && line.name !== 'orderflow')
    .map((line) => line.name);
  assert.deepEqual(gentleStops.sort(), ['notification-service', 'order-service', 'stock-service'], report());

  // Nothing is left: no process, no port.
  const pids = [...restarted.values()];
  await until('every child gone', () => pids.every((pid) => !isAlive(pid)), 10_000).catch((error: unknown) => {
    const left = pids.filter(isAlive).map((pid) => `${pid} ${commandLine(pid)}`);
    throw new Error(`${(error as Error).message}; still running: ${left.join(', ')}`);
  });
  for (const [variable, port] of Object.entries(ports)) {
    assert.equal(await isListening(port), false, `nothing listens on ${variable}=${port}`);
  }
});

test(
  'up --only stock-service,analytics-service on a terminal starts those two and the broker, and prints the admin token the first run generated',
  { skip: !canRunInTerminal() && 'needs script (util-linux) to give up a terminal' },
  async (t) => {
    assert.ok(generatedToken !== undefined, 'the first run generated a token');
    const ports = await launcherPorts();
    const up = startCli(
      t,
      ['up', '--only', 'stock-service,analytics-service'],
      { ...ports, ORDERFLOW_DATA_DIR: dataDir, KAFKA_SESSION_TIMEOUT: SESSION_TIMEOUT },
      { terminal: true },
    );
    const remember = killLeftovers(t);
    const report = () => `stderr:\n${up.stderr()}\nlast lines:\n${up.lines.slice(-20).join('\n')}`;
    await up.waitForLines((lines) => lines.includes('Stop: Ctrl-C'), UP_TIMEOUT_MS, 'the summary');
    const [launcher, ...others] = childPids(up.pid);
    assert.deepEqual(others, [], 'the shell execs the launcher');
    const children = childrenOf(launcher);
    remember(children);
    assert.deepEqual([...children.keys()].sort(), ['analytics-service', 'broker', 'stock-service']);

    // The summary a user reads: the two services, and the token generated by the first run, with where it is kept.
    const summary = up.lines.slice(up.lines.lastIndexOf('orderflow is up'), up.lines.indexOf('Stop: Ctrl-C') + 1);
    assert.deepEqual(
      summary.flatMap((line) => /^ {2}(\S+-service) +(\S+)$/.exec(line)?.slice(1) ?? []),
      ['stock-service', urlOf(ports, 'stock-service'), 'analytics-service', urlOf(ports, 'analytics-service')],
      summary.join('\n'),
    );
    const tokenLine = summary.find((line) => line.startsWith('  Admin token'));
    assert.equal(
      tokenLine,
      `  ${'Admin token'.padEnd(22)} ${generatedToken}  (saved in ${join(dataDir, 'admin-token')})`,
      summary.join('\n'),
    );
    assert.equal(readFileSync(join(dataDir, 'admin-token'), 'utf8').trim(), generatedToken);

    // Only those two answer; order-service and notification-service were not started.
    for (const service of ['stock-service', 'analytics-service']) {
      assert.equal((await request('GET', `${urlOf(ports, service)}/health/ready`)).status, 200, service);
    }
    assert.equal(await isListening(ports.ORDER_SERVICE_PORT), false, 'order-service is not running');
    assert.equal(await isListening(ports.NOTIFICATION_SERVICE_PORT), false, 'notification-service is not running');
    assert.ok(
      !up.lines.some((line) => line.startsWith('[order]') || line.startsWith('[notify]')),
      'no output from services that were not started',
    );
    assert.ok(
      up.lines.some((line) => line.startsWith('[stock]')) && up.lines.some((line) => line.startsWith('[broker]')),
    );

    // The reused token is the one stock-service accepts; its data is the first run's.
    const stock = urlOf(ports, 'stock-service');
    assert.deepEqual(await request('PUT', `${stock}/stock/Z901`, { token: generatedToken, body: { available: 5 } }), {
      status: 200,
      body: { productId: 'Z901', available: 5 },
    });
    const wrong = await request('PUT', `${stock}/stock/Z901`, { token: 'not-the-token', body: { available: 99 } });
    assert.deepEqual([wrong.status, problemCode(wrong)], [403, 'ADMIN_TOKEN_INVALID']);

    process.kill(launcher, 'SIGINT');
    assert.deepEqual(await up.exited(60_000), { code: 0, signal: null }, report());
    for (const [role, pid] of children) assert.equal(isAlive(pid), false, `${role} is gone`);
    for (const [variable, port] of Object.entries(ports)) {
      assert.equal(await isListening(port), false, `nothing listens on ${variable}=${port}`);
    }
  },
);
