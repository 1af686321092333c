import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ConfigError,
  defineConfig,
  httpConfigSpec,
  kafkaConfigSpec,
  loadConfig,
  logConfigSpec,
  PlatformErrors,
  parseDuration,
  redisTargetOf,
  storeConfigSpec,
} from '../src/index.ts';

const serviceSpec = defineConfig({
  ...httpConfigSpec(8081),
  ...kafkaConfigSpec('order-service'),
  ...storeConfigSpec,
  ...logConfigSpec,
  ORDER_TIMEOUT: { type: 'duration', default: '5s', min: 100, max: 60_000 },
  FEATURE_URL: { type: 'url', optional: true },
});

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${error}`);
    return error;
  }
  assert.fail('expected a ConfigError');
}

describe('loadConfig', () => {
  test('an empty environment yields the documented defaults, frozen', () => {
    const config = loadConfig(serviceSpec, {});
    assert.equal(config.PORT, 8081);
    assert.equal(config.HOST, '0.0.0.0');
    assert.deepEqual(config.KAFKA_BROKERS, ['127.0.0.1:9092']);
    assert.equal(config.KAFKA_CLIENT_ID, 'order-service');
    assert.equal(config.KAFKA_SASL_MECHANISM, undefined);
    assert.equal(config.KAFKA_SASL_USERNAME, undefined);
    assert.equal(config.KAFKA_TLS, false);
    assert.equal(config.REDIS_URL, undefined);
    assert.equal(config.ORDERFLOW_DATA_DIR, '.orderflow/');
    assert.equal(config.LOG_LEVEL, 'info');
    assert.equal(config.ORDER_TIMEOUT, 5000);
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.KAFKA_BROKERS));
    assert.throws(() => {
      (config as { PORT: number }).PORT = 1;
    }, TypeError);
  });

  test('values are parsed into their types', () => {
    const config = loadConfig(serviceSpec, {
      PORT: '9000',
      KAFKA_BROKERS: 'kafka-1:9092, kafka-2:9093,[::1]:9094',
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_SASL_USERNAME: 'svc',
      KAFKA_SASL_PASSWORD: 's3cret',
      KAFKA_TLS: 'yes',
      REDIS_URL: 'redis://redis:6379/0',
      LOG_LEVEL: 'debug',
      ORDER_TIMEOUT: '0.75m',
    });
    // Types follow the spec: defaults make a variable non-optional, enums are their literal union.
    const port: number = config.PORT;
    const level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' = config.LOG_LEVEL;
    const username: string | undefined = config.KAFKA_SASL_USERNAME;
    assert.equal(port, 9000);
    assert.equal(level, 'debug');
    assert.equal(username, 'svc');
    assert.deepEqual(config.KAFKA_BROKERS, ['kafka-1:9092', 'kafka-2:9093', '[::1]:9094']);
    assert.equal(config.KAFKA_SASL_MECHANISM, 'scram-sha-512');
    assert.equal(config.KAFKA_SASL_PASSWORD, 's3cret');
    assert.equal(config.KAFKA_TLS, true);
    assert.equal(config.REDIS_URL, 'redis://redis:6379/0');
    assert.equal(config.LOG_LEVEL, 'debug');
    assert.equal(config.ORDER_TIMEOUT, 45_000);
  });

  const invalid: [string, Record<string, string>, string, RegExp][] = [
    ['int out of range', { PORT: '70000' }, 'PORT', /^PORT="70000" is invalid; expected an integer from 0 to 65535$/],
    ['int not a number', { PORT: '80abc' }, 'PORT', /^PORT="80abc" is invalid; expected an integer/],
    [
      'broker without port',
      { KAFKA_BROKERS: 'kafka-1' },
      'KAFKA_BROKERS',
      /^KAFKA_BROKERS="kafka-1" is invalid; expected a comma-separated list of host:port$/,
    ],
    ['broker port out of range', { KAFKA_BROKERS: 'a:1,b:99999' }, 'KAFKA_BROKERS', /KAFKA_BROKERS="a:1,b:99999"/],
    [
      'enum',
      { LOG_LEVEL: 'loud' },
      'LOG_LEVEL',
      /^LOG_LEVEL="loud" is invalid; expected one of fatal, error, warn, info, debug, trace, silent$/,
    ],
    [
      'bool',
      { KAFKA_TLS: 'maybe' },
      'KAFKA_TLS',
      /^KAFKA_TLS="maybe" is invalid; expected a boolean \(true, 1, yes, on, false, 0, no, off\)$/,
    ],
    [
      'url scheme',
      { REDIS_URL: 'http://redis:6379' },
      'REDIS_URL',
      /^REDIS_URL="http:\/\/redis:6379" is invalid; expected a URL with scheme redis:\/\/ or rediss:\/\/$/,
    ],
    [
      'url syntax',
      { FEATURE_URL: 'not a url' },
      'FEATURE_URL',
      /^FEATURE_URL="not a url" is invalid; expected an absolute URL$/,
    ],
    [
      'duration syntax',
      { ORDER_TIMEOUT: 'soon' },
      'ORDER_TIMEOUT',
      /^ORDER_TIMEOUT="soon" is invalid; expected a duration .* from 100ms to 60000ms$/,
    ],
    ['duration range', { ORDER_TIMEOUT: '2h' }, 'ORDER_TIMEOUT', /^ORDER_TIMEOUT="2h" is invalid/],
    [
      'dependent variable missing',
      { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_PASSWORD: 'x' },
      'KAFKA_SASL_USERNAME',
      /^KAFKA_SASL_USERNAME is not set; it is required when KAFKA_SASL_MECHANISM is set \(KAFKA_SASL_MECHANISM: one of plain, scram-sha-256, scram-sha-512\)$/,
    ],
  ];

  for (const [name, env, variable, message] of invalid) {
    test(`rejects ${name} with one line naming the variable, value and what is allowed`, () => {
      const error = configError(() => loadConfig(serviceSpec, env));
      assert.equal(error.variable, variable);
      assert.ok(PlatformErrors.is(error, 'CONFIG_INVALID'), 'an AppError of the platform registry');
      assert.equal(error.retriable, false);
      assert.match(error.message, message);
      assert.doesNotMatch(error.message, /\n/);
    });
  }

  test('a required variable without default must be set', () => {
    const spec = defineConfig({ SMTP_HOST: { type: 'string' } });
    const error = configError(() => loadConfig(spec, { SMTP_HOST: '   ' }));
    assert.equal(error.message, 'SMTP_HOST is not set; expected a non-empty string');
    assert.equal(loadConfig(spec, { SMTP_HOST: 'mail' }).SMTP_HOST, 'mail');
  });

  test('secrets are never echoed', () => {
    const spec = defineConfig({
      API_TOKEN: { type: 'string', pattern: /^tok_/, secret: true, allowed: 'a token starting with tok_' },
    });
    const error = configError(() => loadConfig(spec, { API_TOKEN: 'hunter2' }));
    assert.equal(error.message, 'API_TOKEN=(hidden) is invalid; expected a token starting with tok_');
  });
});

test('parseDuration', () => {
  assert.equal(parseDuration('250'), 250);
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('30s'), 30_000);
  assert.equal(parseDuration('5m'), 300_000);
  assert.equal(parseDuration('1h'), 3_600_000);
  assert.equal(parseDuration('1d'), 86_400_000);
  assert.equal(parseDuration('-1s'), undefined);
  assert.equal(parseDuration('5 weeks'), undefined);
});

describe('the Redis the store uses', () => {
  test('REDIS_CLUSTER_NODES selects a cluster of the given seed nodes', () => {
    const config = loadConfig(storeConfigSpec, { REDIS_CLUSTER_NODES: '10.0.0.1:7000, redis-1:7001,[::1]:7002' });
    assert.deepEqual(redisTargetOf(config), {
      kind: 'cluster',
      nodes: ['10.0.0.1:7000', 'redis-1:7001', '[::1]:7002'],
    });
  });

  test('REDIS_SENTINELS and REDIS_SENTINEL_NAME select the master the Sentinels name', () => {
    const config = loadConfig(storeConfigSpec, { REDIS_SENTINELS: 's1:26379,s2:26379', REDIS_SENTINEL_NAME: 'main' });
    assert.deepEqual(redisTargetOf(config), { kind: 'sentinel', sentinels: ['s1:26379', 's2:26379'], name: 'main' });
    assert.throws(
      () => loadConfig(storeConfigSpec, { REDIS_SENTINELS: 's1:26379' }),
      (error: unknown) => error instanceof ConfigError && error.variable === 'REDIS_SENTINEL_NAME',
    );
    assert.throws(
      () => loadConfig(storeConfigSpec, { REDIS_SENTINEL_NAME: 'main' }),
      (error: unknown) => error instanceof ConfigError && error.variable === 'REDIS_SENTINELS',
    );
  });

  test('REDIS_URL and REDIS_CLUSTER_NODES together are refused, naming both', () => {
    assert.throws(
      () => loadConfig(storeConfigSpec, { REDIS_URL: 'redis://r:6379', REDIS_CLUSTER_NODES: 'r:7000' }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.code === 'CONFIG_INVALID' &&
        error.message === 'REDIS_URL and REDIS_CLUSTER_NODES are both set; set only one of them',
    );
    assert.throws(
      () =>
        loadConfig(storeConfigSpec, {
          REDIS_CLUSTER_NODES: 'r:7000',
          REDIS_SENTINELS: 's:26379',
          REDIS_SENTINEL_NAME: 'm',
        }),
      /REDIS_CLUSTER_NODES and REDIS_SENTINELS are both set/,
    );
    assert.throws(
      () =>
        loadConfig(storeConfigSpec, {
          REDIS_URL: 'redis://r:6379',
          REDIS_SENTINELS: 's:26379',
          REDIS_SENTINEL_NAME: 'm',
        }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.message === 'REDIS_URL and REDIS_SENTINELS are both set; set only one of them',
    );
  });

  test('an empty variable counts as unset, so it never conflicts', () => {
    const config = loadConfig(storeConfigSpec, { REDIS_URL: '', REDIS_CLUSTER_NODES: 'r:7000' });
    assert.deepEqual(redisTargetOf(config), { kind: 'cluster', nodes: ['r:7000'] });
  });

  test('a cluster node that is not host:port is refused', () => {
    assert.throws(() => loadConfig(storeConfigSpec, { REDIS_CLUSTER_NODES: 'r:7000,redis://r:7001' }), /host:port/);
  });

  test('no Redis variable selects SQLite', () => {
    assert.equal(redisTargetOf(loadConfig(storeConfigSpec, {})), undefined);
  });
});
