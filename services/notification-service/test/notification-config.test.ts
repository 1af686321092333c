import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '@orderflow/platform';
import { notificationConfigSpec, resolveChannels } from '../src/notification-config.ts';

const load = (env: Record<string, string>) => loadConfig(notificationConfigSpec, env);

test('defaults: port 8083, log channel only, 5 s webhook timeout, 5 attempts', () => {
  const config = load({});
  assert.equal(config.PORT, 8083);
  assert.equal(config.KAFKA_CLIENT_ID, 'notification-service');
  assert.deepEqual(resolveChannels(config), ['log']);
  assert.equal(config.NOTIFY_WEBHOOK_TIMEOUT, 5000);
  assert.equal(config.NOTIFY_WEBHOOK_ATTEMPTS, 5);
});

test('a webhook URL adds the webhook channel, and needs a secret', () => {
  const config = load({ NOTIFY_WEBHOOK_URL: 'https://hooks.example.com/orders', NOTIFY_WEBHOOK_SECRET: 's3cret' });
  assert.deepEqual(resolveChannels(config), ['log', 'webhook']);
  assert.deepEqual(resolveChannels({ ...config, NOTIFY_CHANNELS: ['webhook'] }), ['webhook']);
  assert.throws(
    () => load({ NOTIFY_WEBHOOK_URL: 'https://hooks.example.com/orders' }),
    (error: unknown) => error instanceof ConfigError && error.variable === 'NOTIFY_WEBHOOK_SECRET',
  );
});

test('the webhook channel without a URL, or an unknown channel, is a configuration error', () => {
  assert.throws(
    () => resolveChannels(load({ NOTIFY_CHANNELS: 'log,webhook' })),
    (error: unknown) => error instanceof ConfigError && error.variable === 'NOTIFY_WEBHOOK_URL',
  );
  assert.throws(() => load({ NOTIFY_CHANNELS: 'log,sms' }), /NOTIFY_CHANNELS="log,sms" is invalid; .*log, webhook/);
  assert.throws(() => load({ NOTIFY_WEBHOOK_URL: 'ftp://example.com/' }), /NOTIFY_WEBHOOK_URL/);
});

test('listing a channel twice delivers once', () => {
  assert.deepEqual(resolveChannels(load({ NOTIFY_CHANNELS: 'log, log' })), ['log']);
});
